// The Helm chart (deploy/helm/strait) as its users run it: `helm lint` and
// `helm template` with each values file of its ci/ directory (helm built
// from its Go module by scripts/tools), the rendered manifests read back and
// checked, and the rendered straitd config checked by this build's straitd.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "deploy_util.h"
#include "monitoring_files.h"
#include "process.h"
#include "test_util.h"

namespace strait::testing {
namespace {

const std::string kSource = STRAIT_SOURCE_DIR;
const std::string kChart = kSource + "/deploy/helm/strait";

std::string helm() {
  if (const char* p = std::getenv("STRAIT_HELM"); p != nullptr && *p != '\0') return p;
  return run_command("'" + kSource + "/scripts/tools' path helm");
}

std::string kubecheck() {
  if (const char* p = std::getenv("STRAIT_KUBECHECK"); p != nullptr && *p != '\0') return p;
  return run_command("'" + kSource + "/scripts/tools' path kubecheck");
}

// `helm template` of the chart with `args`: the manifests by kind and name,
// or the status and what helm said.
struct rendered {
  int status = -1;
  std::string errors;
  std::string manifests;  // helm's output, as it printed it
  std::map<std::pair<std::string, std::string>, YAML::Node> objects;  // (kind, name) -> object
  const YAML::Node& get(const std::string& kind, const std::string& name = "r-strait") const {
    static const YAML::Node none;
    auto it = objects.find({kind, name});
    return it == objects.end() ? none : it->second;
  }
  std::set<std::string> kinds() const {
    std::set<std::string> out;
    for (const auto& [key, o] : objects) out.insert(key.first);
    return out;
  }
};
rendered render(const std::string& args) {
  temp_dir dir;
  const auto out = dir.path() / "manifests.yaml";
  // In a subshell: the manifests to the file, helm's errors to `errors`.
  const auto r = run("('" + helm() + "' template r '" + kChart + "' --namespace mig " + args +
                     " >'" + out.string() + "')");
  rendered result{r.status, r.output, {}, {}};
  if (r.status != 0) return result;
  std::ifstream in(out);
  result.manifests.assign(std::istreambuf_iterator<char>(in), {});
  for (const auto& doc : YAML::LoadAll(result.manifests)) {
    if (!doc.IsMap()) continue;
    result.objects[{doc["kind"].as<std::string>(), doc["metadata"]["name"].as<std::string>()}] =
        doc;
  }
  return result;
}
rendered render_values(const std::string& file) {
  return render("-f '" + kChart + "/ci/" + file + "'");
}

const std::vector<std::string> kValuesFiles = {"minimal-values.yaml", "api-tls-values.yaml",
                                               "monitoring-values.yaml", "shards-values.yaml"};

// Every object of every values file is what the Kubernetes API (and the
// Prometheus Operator's) would take: decoded strictly into its Go type, an
// unknown or misspelt field, or a value of the wrong type, fails
// (tests/deploy/kubecheck).
TEST(Helm, EveryRenderedObjectDecodesStrictlyIntoItsKubernetesType) {
  const std::map<std::string, int> objects = {{"minimal-values.yaml", 5},
                                              {"api-tls-values.yaml", 5},
                                              {"monitoring-values.yaml", 6},
                                              {"shards-values.yaml", 5}};
  for (const auto& [f, count] : objects) {
    const auto r = render_values(f);
    ASSERT_EQ(r.status, 0) << f << ": " << r.errors;
    temp_dir dir;
    const auto out = dir.path() / "manifests.yaml";
    std::ofstream(out) << r.manifests;
    const auto check = run("'" + kubecheck() + "' '" + out.string() + "'");
    EXPECT_EQ(check.status, 0) << f << ":\n" << check.output;
    EXPECT_NE(
        check.output.find("kubecheck: " + std::to_string(count) + " object(s) checked, 0 error(s)"),
        std::string::npos)
        << f << check.output;
  }
}

TEST(Helm, EachValuesFileLints) {
  for (const auto& f : kValuesFiles) {
    const auto r =
        run("'" + helm() + "' lint --strict '" + kChart + "' -f '" + kChart + "/ci/" + f + "'");
    EXPECT_EQ(r.status, 0) << f << ":\n" << r.output;
  }
}

// What cannot work, or is not safe, is refused at install with the value
// to fix.
TEST(Helm, ValuesThatCannotWorkAreRefusedNamingTheValue) {
  const std::map<std::string, std::string> refusals = {
      {"", "links: at least one link is needed"},
      {"-f '" + kChart + "/ci/minimal-values.yaml' --set replicas=2",
       "replicas: not a value of this chart"},
      {"-f '" + kChart + "/ci/minimal-values.yaml' --set shards=0",
       "shards: a whole number, 1 to 64"},
      {"-f '" + kChart + "/ci/minimal-values.yaml' --set shards=65",
       "shards: a whole number, 1 to 64"},
      {"-f '" + kChart + "/ci/minimal-values.yaml' --set shards=1.5",
       "shards: a whole number, 1 to 64"},
      {"-f '" + kChart + "/ci/minimal-values.yaml' --set-string shards=two",
       "shards: a whole number, 1 to 64"},
      {"-f '" + kChart + "/ci/minimal-values.yaml' --set api.tls.enabled=true",
       "api.tls.secretName: name the kubernetes.io/tls Secret"},
      {"-f '" + kChart +
           "/ci/minimal-values.yaml' --set api.tls.enabled=true --set "
           "api.tls.secretName=t",
       "api.tls: set clientCASecretName (client certificates) or tokensSecretName"},
      {"--set links.name=main", "links: a list of links"},
      // A value that would add keys to straitd's config.
      {"-f '" + kChart + "/ci/minimal-values.yaml' --set-string 'logLevel=info\n  state_dir: /'",
       "logLevel: one of trace, debug, info, warn, error"},
      {"-f '" + kChart + "/ci/minimal-values.yaml' --set-string http.port=9644x",
       "http.port: a port number, 1 to 65535"},
      {"-f '" + kChart + "/ci/minimal-values.yaml' --set api.port=70000",
       "api.port: a port number, 1 to 65535"},
      // A map where a list belongs would have been left out quietly.
      {"-f '" + kChart + "/ci/shards-values.yaml' --set topologySpreadConstraints.maxSkew=1",
       "topologySpreadConstraints: a list of TopologySpreadConstraints"},
  };
  for (const auto& [args, message] : refusals) {
    const auto r = render(args);
    EXPECT_NE(r.status, 0) << args;
    EXPECT_NE(r.errors.find(message), std::string::npos) << args << ":\n" << r.errors;
  }
}

TEST(Helm, AMinimalReleaseIsOneStraitdWithItsVolumeProbesBudgetAndPolicy) {
  const auto r = render_values("minimal-values.yaml");
  ASSERT_EQ(r.status, 0) << r.errors;
  EXPECT_EQ(r.kinds(), (std::set<std::string>{"ConfigMap", "NetworkPolicy", "PodDisruptionBudget",
                                              "Service", "StatefulSet"}));
  const auto& sts = r.get("StatefulSet");
  ASSERT_TRUE(sts) << "no StatefulSet r-strait";
  EXPECT_EQ(sts["spec"]["replicas"].as<int>(), 1);
  EXPECT_EQ(sts["spec"]["serviceName"].as<std::string>(), "r-strait");
  const auto& claim = sts["spec"]["volumeClaimTemplates"][0];
  EXPECT_EQ(claim["metadata"]["name"].as<std::string>(), "state");
  EXPECT_EQ(claim["spec"]["accessModes"][0].as<std::string>(), "ReadWriteOnce");
  EXPECT_EQ(claim["spec"]["resources"]["requests"]["storage"].as<std::string>(), "10Gi");
  const auto& pod = sts["spec"]["template"]["spec"];
  // SIGTERM drains for up to 30 s.
  EXPECT_GE(pod["terminationGracePeriodSeconds"].as<int>(), 40);
  EXPECT_TRUE(pod["securityContext"]["runAsNonRoot"].as<bool>());
  const auto& c = pod["containers"][0];
  EXPECT_EQ(c["image"].as<std::string>(), "registry.example.com/strait:0.1.0");
  EXPECT_EQ(c["readinessProbe"]["httpGet"]["path"].as<std::string>(), "/healthz");
  EXPECT_EQ(c["livenessProbe"]["httpGet"]["path"].as<std::string>(), "/healthz");
  EXPECT_GE(c["startupProbe"]["failureThreshold"].as<int>() *
                c["startupProbe"]["periodSeconds"].as<int>(),
            300)
      << "a large store's first start is not killed by the liveness probe";
  EXPECT_FALSE(pod["automountServiceAccountToken"].as<bool>());
  EXPECT_TRUE(c["securityContext"]["readOnlyRootFilesystem"].as<bool>());
  EXPECT_EQ(c["ports"].size(), 1u) << "no API port: the API is on the pod's loopback";
  EXPECT_TRUE(c["resources"]["limits"]["memory"]);
  // Credentials as files, straitd's group only.
  bool credentials = false;
  for (const auto& v : pod["volumes"]) {
    if (v["name"].as<std::string>() != "credentials") continue;
    credentials = true;
    EXPECT_EQ(v["secret"]["secretName"].as<std::string>(), "strait-credentials");
    EXPECT_EQ(v["secret"]["defaultMode"].as<std::string>(), "0440");
  }
  EXPECT_TRUE(credentials);
  const auto& pdb = r.get("PodDisruptionBudget");
  EXPECT_EQ(pdb["spec"]["minAvailable"].as<int>(), 1);
  EXPECT_EQ(pdb["spec"]["unhealthyPodEvictionPolicy"].as<std::string>(), "AlwaysAllow");
  EXPECT_EQ(pdb["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"].as<std::string>(),
            "straitd");
  // Ingress: the metrics port only.
  const auto& policy = r.get("NetworkPolicy");
  ASSERT_EQ(policy["spec"]["ingress"].size(), 1u);
  EXPECT_EQ(policy["spec"]["ingress"][0]["ports"][0]["port"].as<std::string>(), "http");
  // The config: the values' links, the API on loopback.
  const YAML::Node config =
      YAML::Load(r.get("ConfigMap")["data"]["straitd.yaml"].as<std::string>());
  EXPECT_EQ(config["daemon"]["api_listen"].as<std::string>(), "127.0.0.1:9645");
  EXPECT_EQ(config["daemon"]["secrets_dir"].as<std::string>(), "/etc/strait/secrets")
      << "links created through the API may use the credentials too";
  EXPECT_EQ(as_json(config["links"]),
            as_json(YAML::LoadFile(kChart + "/ci/minimal-values.yaml")["links"]));
  // A changed config rolls the pod (straitd reads its config at start).
  EXPECT_EQ(sts["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
                .as<std::string>()
                .size(),
            64u);
}

// shards: N is N pods, each the shard of its ordinal (read from its host
// name), the budget keeping all of them; one straitd's config has none.
TEST(Helm, ShardsAreReplicasThatReadTheirOrdinalFromTheirPodName) {
  const auto r = render_values("shards-values.yaml");
  ASSERT_EQ(r.status, 0) << r.errors;
  EXPECT_EQ(r.get("StatefulSet")["spec"]["replicas"].as<int>(), 3);
  EXPECT_EQ(r.get("PodDisruptionBudget")["spec"]["minAvailable"].as<int>(), 3);
  const YAML::Node config =
      YAML::Load(r.get("ConfigMap")["data"]["straitd.yaml"].as<std::string>());
  EXPECT_EQ(config["daemon"]["shards"]["count"].as<int>(), 3);
  EXPECT_EQ(config["daemon"]["shards"]["ordinal"].as<std::string>(), "hostname");
  // Spread over nodes by default, as a preference, selecting the set's pods.
  const auto& spread =
      r.get("StatefulSet")["spec"]["template"]["spec"]["topologySpreadConstraints"];
  ASSERT_TRUE(spread && spread.size() == 1) << "shards spread over nodes";
  EXPECT_EQ(spread[0]["topologyKey"].as<std::string>(), "kubernetes.io/hostname");
  EXPECT_EQ(spread[0]["whenUnsatisfiable"].as<std::string>(), "ScheduleAnyway");
  EXPECT_EQ(YAML::Dump(spread[0]["labelSelector"]["matchLabels"]),
            YAML::Dump(r.get("StatefulSet")["spec"]["selector"]["matchLabels"]));
  const auto none =
      render("-f '" + kChart + "/ci/shards-values.yaml' --set-json topologySpreadConstraints=[]");
  ASSERT_EQ(none.status, 0) << none.errors;
  EXPECT_FALSE(none.get("StatefulSet")["spec"]["template"]["spec"]["topologySpreadConstraints"]);
  // One's own list replaces the default, not adds to it.
  const auto own = render("-f '" + kChart +
                          "/ci/shards-values.yaml' --set-json "
                          "'topologySpreadConstraints=[{\"maxSkew\":2,\"topologyKey\":"
                          "\"topology.kubernetes.io/zone\",\"whenUnsatisfiable\":"
                          "\"DoNotSchedule\"}]'");
  ASSERT_EQ(own.status, 0) << own.errors;
  const auto& theirs =
      own.get("StatefulSet")["spec"]["template"]["spec"]["topologySpreadConstraints"];
  ASSERT_TRUE(theirs && theirs.size() == 1);
  EXPECT_EQ(theirs[0]["topologyKey"].as<std::string>(), "topology.kubernetes.io/zone");
  const auto one = render_values("minimal-values.yaml");
  ASSERT_EQ(one.status, 0) << one.errors;
  EXPECT_FALSE(YAML::Load(
      one.get("ConfigMap")["data"]["straitd.yaml"].as<std::string>())["daemon"]["shards"]);
  EXPECT_FALSE(one.get("StatefulSet")["spec"]["template"]["spec"]["topologySpreadConstraints"])
      << "one straitd has nothing to spread";
  // --set gives an integer, a values file a float: both count.
  const auto set = render("-f '" + kChart + "/ci/minimal-values.yaml' --set shards=2");
  ASSERT_EQ(set.status, 0) << set.errors;
  EXPECT_EQ(set.get("StatefulSet")["spec"]["replicas"].as<int>(), 2);
}

TEST(Helm, WithTlsTheApiListensBehindTheServiceWithClientAuthenticationAndItsOwnPolicy) {
  const auto r = render_values("api-tls-values.yaml");
  ASSERT_EQ(r.status, 0) << r.errors;
  const YAML::Node config =
      YAML::Load(r.get("ConfigMap")["data"]["straitd.yaml"].as<std::string>());
  const auto& daemon = config["daemon"];
  EXPECT_EQ(daemon["api_listen"].as<std::string>(), "0.0.0.0:9645");
  EXPECT_EQ(daemon["api_security"]["cert_file"].as<std::string>(), "/etc/strait/api-tls/tls.crt");
  EXPECT_EQ(daemon["api_security"]["client_ca_file"].as<std::string>(),
            "/etc/strait/api-client-ca/ca.crt");
  EXPECT_EQ(daemon["api_security"]["tokens_file"].as<std::string>(),
            "/etc/strait/api-tokens/tokens");
  std::map<std::string, std::string> mounted;  // secret -> mount path
  const auto& pod = r.get("StatefulSet")["spec"]["template"]["spec"];
  std::map<std::string, std::string> volume_secret;
  for (const auto& v : pod["volumes"]) {
    if (v["secret"])
      volume_secret[v["name"].as<std::string>()] = v["secret"]["secretName"].as<std::string>();
  }
  for (const auto& m : pod["containers"][0]["volumeMounts"]) {
    auto it = volume_secret.find(m["name"].as<std::string>());
    if (it != volume_secret.end()) mounted[it->second] = m["mountPath"].as<std::string>();
  }
  EXPECT_EQ(mounted["strait-api-tls"], "/etc/strait/api-tls");
  EXPECT_EQ(mounted["strait-api-client-ca"], "/etc/strait/api-client-ca");
  EXPECT_EQ(mounted["strait-api-tokens"], "/etc/strait/api-tokens");
  EXPECT_EQ(r.get("Service")["spec"]["ports"].size(), 2u);
  const auto& ingress = r.get("NetworkPolicy")["spec"]["ingress"];
  ASSERT_EQ(ingress.size(), 2u);
  EXPECT_EQ(ingress[1]["ports"][0]["port"].as<std::string>(), "api");
  EXPECT_EQ(ingress[1]["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                .as<std::string>(),
            "platform-ops");
  EXPECT_EQ(ingress[0]["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                .as<std::string>(),
            "monitoring");
}

// The Prometheus Operator's objects carry deploy/monitoring unchanged: the
// rules the promtool tests test, the dashboard, and a job named "straitd"
// (StraitDown selects it).
TEST(Helm, TheMonitoringObjectsCarryDeployMonitoringUnchanged) {
  const auto r = render_values("monitoring-values.yaml");
  ASSERT_EQ(r.status, 0) << r.errors;
  EXPECT_EQ(r.kinds(), (std::set<std::string>{"ConfigMap", "PrometheusRule", "Service",
                                              "ServiceMonitor", "StatefulSet"}));
  const auto& monitor = r.get("ServiceMonitor");
  EXPECT_EQ(monitor["spec"]["jobLabel"].as<std::string>(), "app.kubernetes.io/name");
  EXPECT_EQ(r.get("Service")["metadata"]["labels"]["app.kubernetes.io/name"].as<std::string>(),
            "straitd");
  EXPECT_EQ(monitor["spec"]["endpoints"][0]["port"].as<std::string>(), "http");
  EXPECT_EQ(monitor["metadata"]["labels"]["release"].as<std::string>(), "kube-prometheus-stack");
  const auto plain = YAML::LoadFile(monitoring_dir(kSource) + "/strait.rules.yml");
  EXPECT_EQ(as_json(r.get("PrometheusRule")["spec"]["groups"]), as_json(plain["groups"]));
  std::ifstream in(monitoring_dir(kSource) + "/strait-dashboard.json");
  const std::string dashboard(std::istreambuf_iterator<char>(in), {});
  const auto& cm = r.get("ConfigMap", "r-strait-dashboard");
  EXPECT_EQ(cm["metadata"]["labels"]["grafana_dashboard"].as<std::string>(), "1");
  EXPECT_EQ(nlohmann::json::parse(cm["data"]["strait-dashboard.json"].as<std::string>()),
            nlohmann::json::parse(dashboard));
  const auto& claim = r.get("StatefulSet")["spec"]["volumeClaimTemplates"][0]["spec"];
  EXPECT_EQ(claim["storageClassName"].as<std::string>(), "fast-retain");
  EXPECT_EQ(claim["resources"]["requests"]["storage"].as<std::string>(), "50Gi");
}

// The config each values file renders is one this straitd accepts
// (--check-config resolves the secret references too): the paths under
// /etc/strait and /var/lib/strait moved into a temporary directory holding
// the secret files the pod would mount.
TEST(Helm, EveryRenderedConfigPassesStraitdsCheck) {
  for (const auto& f : kValuesFiles) {
    const auto r = render_values(f);
    ASSERT_EQ(r.status, 0) << f << ": " << r.errors;
    std::string config = r.get("ConfigMap")["data"]["straitd.yaml"].as<std::string>();
    temp_dir dir;
    const std::string root = dir.path().string();
    for (const std::string from : {"/etc/strait/", "/var/lib/strait"}) {
      for (size_t at = config.find(from); at != std::string::npos;
           at = config.find(from, at + root.size() + from.size())) {
        config.insert(at, root);
      }
    }
    std::filesystem::create_directories(root + "/etc/strait/secrets");
    for (const char* name : {"source-password", "target-password"}) {
      std::ofstream(root + "/etc/strait/secrets/" + name) << "secret\n";
    }
    const std::string file = root + "/straitd.yaml";
    std::ofstream(file) << config;
    const auto check = run("'" STRAITD_PATH "' --config '" + file + "' --check-config");
    EXPECT_EQ(check.status, 0) << f << ":\n" << check.output << "\n" << config;
    EXPECT_NE(check.output.find("configuration OK"), std::string::npos) << f << check.output;
  }
}

}  // namespace
}  // namespace strait::testing
