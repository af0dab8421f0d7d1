#include "harness.h"

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "strait/kafka/client.h"

namespace strait::integration {

const std::string kRoot = STRAIT_SOURCE_DIR;
clusters_env* clusters = nullptr;

namespace {
const std::string kStraitd = STRAITD_PATH;
const std::string kStraitctl = STRAITCTL_PATH;
}  // namespace

topic_id topic_id_of(const std::string& bootstrap, const std::string& topic) {
  using namespace std::chrono_literals;
  auto admin = strait::kafka::admin_client::connect({{"bootstrap.servers", bootstrap}}, "it-ids",
                                                    "test", 10s);
  if (!admin) throw std::runtime_error(admin.error().message);
  auto ids = (*admin)->describe_topic_ids({topic}, 10s);
  if (!ids) throw std::runtime_error(ids.error().message);
  if (!ids->contains(topic)) throw std::runtime_error("no topic id for " + topic);
  const topic_id id = ids->at(topic);
  const std::string described =
      kafka_tool("topics --bootstrap-server " + bootstrap + " --describe --topic " + topic);
  if (!id.known() || described.find("TopicId: " + id.to_string()) == std::string::npos) {
    throw std::runtime_error("kafka-topics describes " + topic + " with another id than " +
                             id.to_string() + ":\n" + described);
  }
  return id;
}

std::string kafka_tool(const std::string& args) {
  return testing::run_command(kRoot + "/scripts/kafka " + args + " 2>>/tmp/strait-it-kafka.log");
}

void clusters_env::SetUp() {
  suffix_ = std::to_string(getpid());
  const std::string opts = options_.empty() ? "" : " " + options_;
  source_name = "it-src-" + suffix_;
  target_name = "it-dst-" + suffix_;
  source = kafka_tool("start " + source_name + opts + " log.cleaner.backoff.ms=1000");
  target = kafka_tool("start " + target_name + opts);
  if (!options_.empty()) {
    secure(source_name, source, source_props);
    secure(target_name, target, target_props);
  }
}

std::pair<std::vector<std::pair<std::string, std::string>>, std::string> clusters_env::client_of(
    const std::string& name, const std::string& user) const {
  std::vector<std::pair<std::string, std::string>> props;
  std::string password_file;
  std::istringstream lines(kafka_tool("client " + name + " " + user));
  const std::string marker = "# password file: ";
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(marker)) {
      password_file = line.substr(marker.size());
    } else if (auto eq = line.find('='); eq != std::string::npos && !line.starts_with("#")) {
      if (line.substr(0, eq) != "bootstrap.servers") {
        props.emplace_back(line.substr(0, eq), line.substr(eq + 1));
      }
    }
  }
  return {props, password_file};
}

void clusters_env::secure(const std::string& name, const std::string& bootstrap,
                          std::string& straitd_props) {
  auto [props, password_file] = client_of(name, "strait");
  for (const auto& [k, v] : props) {
    straitd_props += (straitd_props.empty() ? "" : ", ") + k + ": \"" + v + "\"";
  }
  if (!password_file.empty()) {
    straitd_props += ", sasl.password: \"${file:" + password_file + "}\"";
  }
  // The test's own clients are the admin (they create data and read it back
  // whatever strait's ACLs say).
  auto [admin, admin_password_file] = client_of(name, "admin");
  for (const auto& [k, v] : admin) {
    if (k == "sasl.username") admin_credential_[bootstrap] = "sasl.username: \"" + v + "\"";
  }
  if (!admin_password_file.empty()) {
    admin_credential_[bootstrap] += ", sasl.password: \"${file:" + admin_password_file + "}\"";
    std::ifstream in(admin_password_file);
    std::string password((std::istreambuf_iterator<char>(in)), {});
    admin.emplace_back("sasl.password", password);
  }
  testing::set_cluster_properties(bootstrap, admin);
  admin_config_[bootstrap] = kafka_tool("java-client " + name + " admin");
  while (!admin_config_[bootstrap].empty() && admin_config_[bootstrap].back() == '\n') {
    admin_config_[bootstrap].pop_back();
  }
}

std::vector<std::pair<std::string, std::string>> clusters_env::user_properties(
    const std::string& bootstrap, const std::string& user) const {
  if (options_.empty()) return {};
  auto [props, password_file] = client_of(bootstrap == source ? source_name : target_name, user);
  if (!password_file.empty()) {
    std::ifstream in(password_file);
    props.emplace_back("sasl.password", std::string((std::istreambuf_iterator<char>(in)), {}));
  }
  return props;
}

std::string clusters_env::admin_credential(const std::string& bootstrap) const {
  auto it = admin_credential_.find(bootstrap);
  return it == admin_credential_.end() ? "" : it->second;
}

std::string clusters_env::tool_auth(const std::string& bootstrap) const {
  auto it = admin_config_.find(bootstrap);
  return it == admin_config_.end() ? "" : " --command-config " + it->second;
}

void clusters_env::TearDown() {
  try {
    kafka_tool("stop it-src-" + suffix_);
    kafka_tool("stop it-dst-" + suffix_);
  } catch (const std::exception&) {
  }
}

void create_topic(const std::string& bootstrap, const std::string& topic, int partitions,
                  const std::string& configs) {
  // The brokers' default replication factor: 1 on one node, 3 on three.
  std::string cmd = "topics --bootstrap-server " + bootstrap + clusters->tool_auth(bootstrap) +
                    " --create --topic " + topic + " --partitions " + std::to_string(partitions);
  std::istringstream each(configs);
  for (std::string kv; std::getline(each, kv, ',');) cmd += " --config " + kv;
  kafka_tool(cmd);
}

std::string own_configs(const std::string& bootstrap, const std::string& topic) {
  return kafka_tool("run kafka.admin.ConfigCommand --bootstrap-server " + bootstrap +
                    clusters->tool_auth(bootstrap) + " --entity-type topics --entity-name " +
                    topic + " --describe");
}

straitd::straitd(const testing::temp_dir& dir, const std::string& topics_regex,
                 const std::string& extra_link_yaml, const std::string& prefix,
                 const std::string& source_props, int refresh_ms, const std::string& topics_yaml)
    : dir_(dir) {
  std::ofstream out(dir.path() / "straitd.yaml");
  out << "daemon:\n  state_dir: " << (dir.path() / "state").string()
      << "\n  http_listen: 127.0.0.1:0\n  api_listen: 127.0.0.1:0\n  log_level: info\n"
      << "links:\n  - name: it\n"
      << "    source: {properties: {bootstrap.servers: \"" << clusters->source << "\""
      << (clusters->source_props.empty() ? "" : ", " + clusters->source_props)
      << (source_props.empty() ? "" : ", " + source_props) << "}}\n"
      << "    target: {properties: {bootstrap.servers: \"" << clusters->target << "\""
      << (clusters->target_props.empty() ? "" : ", " + clusters->target_props) << "}}\n"
      << "    topics:\n      include: [\"" << topics_regex << "\"]\n"
      << "      refresh_interval_ms: " << refresh_ms << "\n";
  if (!prefix.empty()) out << "      prefix: \"" << prefix << "\"\n";
  std::istringstream topics(topics_yaml);
  for (std::string line; std::getline(topics, line);) out << "      " << line << "\n";
  std::istringstream extra(extra_link_yaml);
  for (std::string line; std::getline(extra, line);) out << "    " << line << "\n";
}

void straitd::shard(int ordinal, int count) {
  const auto file = dir_.path() / "straitd.yaml";
  std::ifstream in(file);
  std::string text(std::istreambuf_iterator<char>(in), {});
  // Again after a stop: the set's count changes (ADR 0030 step 4).
  if (const size_t at = text.find("  shards: {"); at != std::string::npos) {
    text.erase(at, text.find('\n', at) + 1 - at);
  }
  const std::string after = "  log_level: info\n";
  text.insert(text.find(after) + after.size(), "  shards: {count: " + std::to_string(count) +
                                                   ", ordinal: " + std::to_string(ordinal) + "}\n");
  std::ofstream(file) << text;
}

void straitd::start() {
  std::filesystem::remove(dir_.path() / "state" / "http.address");
  std::filesystem::remove(dir_.path() / "state" / "api.address");
  proc_ = std::make_unique<testing::child_process>(
      std::vector<std::string>{kStraitd, "--config", (dir_.path() / "straitd.yaml").string()},
      (dir_.path() / "straitd.log").string());
}

int straitd::stop(int sig) {
  if (!proc_) return 0;
  proc_->signal(sig);
  int rc = proc_->wait();
  proc_.reset();
  return rc;
}

int straitd::run_once(const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {kStraitd, "--config", (dir_.path() / "straitd.yaml").string()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  testing::child_process p(argv, (dir_.path() / "straitd.log").string());
  return p.wait();
}

std::string straitd::metrics() {
  std::ifstream in(dir_.path() / "state" / "http.address");
  std::string addr;
  in >> addr;
  return addr.empty() ? "" : testing::http_get(addr, "/metrics");
}

double straitd::metric(const std::string& series) {
  std::istringstream in(metrics());
  for (std::string line; std::getline(in, line);) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return -1;
}

std::string straitd::api_address() const {
  // The address of this run (start() removed the previous one).
  std::string addr;
  (void)testing::wait_for(
      [&] {
        std::ifstream in(dir_.path() / "state" / "api.address");
        return static_cast<bool>(in >> addr);
      },
      std::chrono::seconds(30), std::chrono::milliseconds(50));
  return addr;
}

std::pair<int, std::string> straitd::straitctl(const std::string& args,
                                               const std::string& wrapper) {
  return straitctl_on(api_address(), args, wrapper);
}

std::pair<int, std::string> straitd::straitctl_on(const std::string& servers,
                                                  const std::string& args,
                                                  const std::string& wrapper) {
  const auto out = dir_.path() / "straitctl.out";
  int rc = std::system((wrapper + " " + kStraitctl + " --server " + servers + " " + args + " >" +
                        out.string() + " 2>>" + (dir_.path() / "straitctl.err").string())
                           .c_str());
  std::ifstream o(out);
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : 128,
          std::string(std::istreambuf_iterator<char>(o), {})};
}

std::string straitd::straitctl_errors() const {
  std::ifstream in(dir_.path() / "straitctl.err");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string straitd::log() {
  std::ifstream in(dir_.path() / "straitd.log");
  std::string out{std::istreambuf_iterator<char>(in), {}};
  // A crash leaves no line of its own in the log: say it.
  if (auto rc = proc_ ? proc_->exited() : std::nullopt) {
    out += "[straitd is not running: exit status " + std::to_string(*rc) +
           " (128 + N: killed by signal N)]\n";
  }
  return out;
}

const int64_t kBaseTimestamp = std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();

testing::record make_record(int i) {
  testing::record r;
  if (i % 7 != 0) r.key = "k" + std::to_string(i % 97);
  if (i % 13 != 0) r.value = "v" + std::to_string(i) + std::string(100 + i % 300, 'x');
  if (i % 3 == 0) r.headers = {{"trace", std::to_string(i)}, {"empty", std::nullopt}};
  r.timestamp = kBaseTimestamp + i;
  return r;
}

bool target_offset_becomes(const std::string& group, const std::string& topic, int64_t want) {
  return testing::wait_for(
      [&] { return testing::committed(clusters->target, group, topic, 0).offset == want; },
      std::chrono::seconds(60), std::chrono::milliseconds(200));
}

int64_t total_high(const std::string& bootstrap, const std::string& topic, int partitions) {
  int64_t n = 0;
  for (int p = 0; p < partitions; ++p) {
    int64_t h = testing::high_watermark(bootstrap, topic, p);
    if (h < 0) return -1;
    n += h;
  }
  return n;
}

void expect_same_records(const std::string& topic, const std::string& target_topic,
                         int partitions) {
  for (int p = 0; p < partitions; ++p) {
    auto src = testing::read_partition(clusters->source, topic, p, true);
    auto dst = testing::read_partition(clusters->target, target_topic, p, true);
    ASSERT_EQ(src.size(), dst.size()) << topic << "/" << p;
    for (size_t i = 0; i < src.size(); ++i) {
      ASSERT_TRUE(src[i].same_content(dst[i])) << topic << "/" << p << " record " << i;
    }
  }
}

}  // namespace strait::integration

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
#ifdef STRAIT_SECURE_CLUSTERS
  // The secure suite: both clusters 3 nodes, SASL_SSL (SCRAM), ACLs.
  strait::integration::clusters =
      new strait::integration::clusters_env("--brokers 3 --security sasl_ssl --acls");
  struct permissions : ::testing::Environment {
    void SetUp() override { strait::integration::grant_suite_permissions(); }
  };
  ::testing::AddGlobalTestEnvironment(strait::integration::clusters);
  ::testing::AddGlobalTestEnvironment(new permissions);
  return RUN_ALL_TESTS();
#else
  strait::integration::clusters = new strait::integration::clusters_env();
#endif
  ::testing::AddGlobalTestEnvironment(strait::integration::clusters);
  return RUN_ALL_TESTS();
}
