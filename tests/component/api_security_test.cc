// Security of the strait.v1 server: TLS, client certificates with roles,
// bearer tokens (docs/api.md#security). Certificates are made with the
// openssl command line in a temporary directory.
#include <utility>  // before gRPC/Abseil headers in C++20 and later

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <mutex>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "api_test_util.h"
#include "pki.h"
#include "strait.grpc.pb.h"
#include "strait/api/api_server.h"
#include "test_util.h"

namespace strait::api {
namespace {

namespace pb = ::strait::v1;

namespace fs = std::filesystem;

class no_state : public state_provider {
 public:
  std::vector<link_info> links() const override { return {}; }
  result<link_view> link_state(const std::string&) const override {
    return fail(errc::not_found, "none");
  }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

grpc::Status list_links(const std::string& address, std::shared_ptr<grpc::ChannelCredentials> creds,
                        const std::string& token = "") {
  auto stub = pb::Strait::NewStub(grpc::CreateChannel(address, std::move(creds)));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
  pb::ListLinksResponse r;
  return stub->ListLinks(&ctx, {}, &r);
}

std::shared_ptr<grpc::ChannelCredentials> tls(const testing::pki& k,
                                              const std::string& client = "") {
  grpc::SslCredentialsOptions o;
  o.pem_root_certs = slurp(k.path("ca.crt"));
  if (!client.empty()) {
    o.pem_cert_chain = slurp(k.path(client + ".crt"));
    o.pem_private_key = slurp(k.path(client + ".key"));
  }
  return grpc::SslCredentials(o);
}

// A server certificate for 127.0.0.1 from the test CA (TLS, no client
// certificates until client_ca_file is set).
config::api_security_config tls_security(const testing::pki& k) {
  config::api_security_config sec;
  sec.cert_file = k.path("server.crt");
  sec.key_file = k.path("server.key");
  return sec;
}

// Each test's server: the API over a control plane with no links, and the
// journal it writes.
class ApiSecurity : public ::testing::Test {
 protected:
  // Starts `server` with `sec` on a loopback port.
  [[nodiscard]] bool start(const config::api_security_config& sec) {
    return server.start("127.0.0.1:0", sec, state, audit, control).has_value();
  }
  no_state state;
  memory_audit audit;
  fake_control control;
  api_server server;  // declared last: stops before what it serves
};

TEST_F(ApiSecurity, TlsServerRefusesPlaintextClients) {
  testing::pki k;
  auto sec = tls_security(k);
  ASSERT_TRUE(start(sec));
  EXPECT_TRUE(list_links(server.address(), tls(k)).ok());
  EXPECT_FALSE(list_links(server.address(), grpc::InsecureChannelCredentials()).ok());
}

TEST_F(ApiSecurity, ClientCertificatesAreRequiredAndCarryTheRole) {
  testing::pki k;
  auto sec = tls_security(k);
  sec.client_ca_file = k.path("ca.crt");
  ASSERT_TRUE(start(sec));
  EXPECT_TRUE(list_links(server.address(), tls(k, "viewer")).ok());
  EXPECT_EQ(list_links(server.address(), tls(k)).error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << "no client certificate";
  grpc::Status s = list_links(server.address(), tls(k, "norole"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(s.error_message().find("OU=strait-viewer"), std::string::npos) << s.error_message();
}

grpc::Status list_audit(const std::string& address,
                        std::shared_ptr<grpc::ChannelCredentials> creds) {
  auto stub = pb::Strait::NewStub(grpc::CreateChannel(address, std::move(creds)));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  pb::ListAuditResponse r;
  return stub->ListAudit(&ctx, {}, &r);
}

// Issue 11: the role was found by searching the subject's text for
// "OU=strait-<role>", and each of the first three certificates got admin.
TEST_F(ApiSecurity, TheRoleIsReadFromTheSubjectsOrganizationalUnitsExactly) {
  testing::pki k;
  const std::vector<std::pair<std::string, std::string>> hostile = {
      {"in_cn", "/CN=OU=strait-admin"},
      {"in_o", "/CN=mallory/O=evil, OU=strait-admin"},
      {"prefix", "/CN=carol/OU=strait-administrators-readonly"},
      {"two_roles", "/CN=dave/OU=strait-viewer/OU=strait-admin"},
      {"upper_case", "/CN=frank/OU=STRAIT-ADMIN"},
      {"no_cn", "/OU=strait-admin"},
      {"two_cns", "/CN=admin/CN=gina/OU=strait-operator"},
  };
  for (const auto& [name, subject] : hostile) k.issue(name, subject, "");
  k.issue("operator", "/CN=erin/OU=payments/OU=strait-operator", "");
  k.issue("viewer_twice", "/CN=hal/OU=strait-viewer/OU=strait-viewer", "");
  auto sec = tls_security(k);
  sec.client_ca_file = k.path("ca.crt");
  ASSERT_TRUE(start(sec));

  for (const auto& [name, subject] : hostile) {
    grpc::Status s = list_links(server.address(), tls(k, name));
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << name;
    EXPECT_NE(s.error_message().find("the client certificate ("), std::string::npos)
        << name << ": " << s.error_message();
  }
  EXPECT_NE(list_links(server.address(), tls(k, "prefix"))
                .error_message()
                .find("OU=strait-administrators-readonly, which is not a strait role"),
            std::string::npos);
  EXPECT_NE(list_links(server.address(), tls(k, "two_roles")).error_message().find("two roles"),
            std::string::npos);

  grpc::Status op = list_audit(server.address(), tls(k, "operator"));
  EXPECT_TRUE(op.ok()) << "other OUs are ignored: " << op.error_message();
  grpc::Status twice = list_links(server.address(), tls(k, "viewer_twice"));
  EXPECT_TRUE(twice.ok()) << twice.error_message();
  grpc::Status viewer = list_audit(server.address(), tls(k, "viewer_twice"));
  EXPECT_EQ(viewer.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(viewer.error_message().find("hal has viewer"), std::string::npos)
      << viewer.error_message();

  // Every refusal is in the journal.
  auto entries = audit.list(0, 1000);
  ASSERT_TRUE(entries.has_value());
  size_t refused = 0;
  std::string journal;
  for (const auto& e : *entries) {
    refused += e.result.starts_with("PERMISSION_DENIED: ") ? 1 : 0;
    journal += e.who + ": " + e.result + "\n";
  }
  EXPECT_EQ(refused, hostile.size() + 2 + 1) << journal;
}

// Issue 11: a TLS handshake refusal (a certificate from another CA, none at
// all) was not in the journal. straitd now checks the certificate itself.
TEST_F(ApiSecurity, UntrustedOrMissingClientCertificatesAreRefusedAndJournaled) {
  testing::pki k;
  k.make_ca("rogue");
  k.issue("forged", "/CN=mallory/OU=strait-admin", "", "rogue");
  k.make_ca("selfsigned");  // a CA certificate presented as the client's own
  auto sec = tls_security(k);
  sec.client_ca_file = k.path("ca.crt");
  ASSERT_TRUE(start(sec));

  grpc::Status forged = list_links(server.address(), tls(k, "forged"));
  EXPECT_EQ(forged.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_NE(forged.error_message().find("is not accepted"), std::string::npos)
      << forged.error_message();
  EXPECT_EQ(list_links(server.address(), tls(k, "selfsigned")).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::Status none = list_links(server.address(), tls(k));
  EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_NE(none.error_message().find("no client certificate"), std::string::npos)
      << none.error_message();
  EXPECT_TRUE(list_links(server.address(), tls(k, "viewer")).ok());

  auto entries = audit.list(0, 1000);
  ASSERT_TRUE(entries.has_value());
  ASSERT_EQ(entries->size(), 3u);
  for (const auto& e : *entries) {
    EXPECT_EQ(e.who, "unauthenticated");
    EXPECT_EQ(e.result.rfind("UNAUTHENTICATED: ", 0), 0u) << e.result;
  }
  EXPECT_NE((*entries)[0].result.find("CN=mallory"), std::string::npos) << (*entries)[0].result;
}

// With tokens and client certificates both configured, the certificate is
// still required and checked; the token gives the role.
TEST_F(ApiSecurity, WithTokensAndClientCertificatesBothAreRequired) {
  testing::pki k;
  k.make_ca("rogue");
  k.issue("forged", "/CN=mallory/OU=strait-admin", "", "rogue");
  write_tokens(k.path("tokens"), "admin lead 0123456789abcdef0003\n");
  auto sec = tls_security(k);
  sec.client_ca_file = k.path("ca.crt");
  sec.tokens_file = k.path("tokens");
  ASSERT_TRUE(start(sec));
  const std::string token = "0123456789abcdef0003";
  EXPECT_EQ(list_links(server.address(), tls(k), token).error_code(),
            grpc::StatusCode::UNAUTHENTICATED)
      << "a token without a certificate";
  EXPECT_EQ(list_links(server.address(), tls(k, "forged"), token).error_code(),
            grpc::StatusCode::UNAUTHENTICATED)
      << "a token with another CA's certificate";
  EXPECT_EQ(list_links(server.address(), tls(k, "viewer")).error_code(),
            grpc::StatusCode::UNAUTHENTICATED)
      << "a certificate without a token";
  EXPECT_TRUE(list_links(server.address(), tls(k, "viewer"), token).ok());
}

// Review of issue 11: gRPC's own check accepted a client_ca_file holding an
// intermediate CA alone; straitd's must too.
TEST_F(ApiSecurity, AnIntermediateCaAloneIsAnAnchor) {
  testing::pki k;
  k.issue("inter", "/CN=strait-test-intermediate",
          "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign");
  k.issue("ops", "/CN=olga/OU=strait-operator", "", "inter");
  auto sec = tls_security(k);
  sec.client_ca_file = k.path("inter.crt");
  ASSERT_TRUE(start(sec));
  EXPECT_TRUE(list_audit(server.address(), tls(k, "ops")).ok());
  EXPECT_EQ(list_links(server.address(), tls(k, "viewer")).error_code(),
            grpc::StatusCode::UNAUTHENTICATED)
      << "issued by the root, not under the intermediate";
}

TEST_F(ApiSecurity, TokenFilesMustBePrivateAndAHashInsideATokenIsPartOfIt) {
  testing::temp_dir dir;
  const fs::path file = dir.path() / "tokens";
  write_tokens(file,
               "  # a comment, indented\n"
               "admin lead 0123456789abcdef#0003\n");
  config::api_security_config sec;
  sec.tokens_file = file;
  ASSERT_TRUE(start(sec));
  auto plain = grpc::InsecureChannelCredentials();
  EXPECT_TRUE(list_links(server.address(), plain, "0123456789abcdef#0003").ok());
  EXPECT_EQ(list_links(server.address(), plain, "0123456789abcdef").error_code(),
            grpc::StatusCode::UNAUTHENTICATED)
      << "the part before '#' is not a token";

  fs::permissions(file, fs::perms::others_read, fs::perm_options::add);
  api_server another;
  auto r = another.start("127.0.0.1:0", sec, state, audit, control);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("daemon.api_security.tokens_file"), std::string::npos);
  EXPECT_NE(r.error().message.find("chmod 600"), std::string::npos) << r.error().message;
}

TEST_F(ApiSecurity, TokensAreRequiredWhenConfigured) {
  testing::temp_dir dir;
  write_tokens(dir.path() / "tokens",
               "# role name token\n"
               "viewer ci-bot 0123456789abcdef0123\n");
  config::api_security_config sec;
  sec.tokens_file = dir.path() / "tokens";
  ASSERT_TRUE(start(sec));
  auto plain = grpc::InsecureChannelCredentials();
  EXPECT_TRUE(list_links(server.address(), plain, "0123456789abcdef0123").ok());
  grpc::Status none = list_links(server.address(), plain);
  EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_NE(none.error_message().find("--token-file"), std::string::npos);
  EXPECT_EQ(list_links(server.address(), plain, "0123456789abcdef9999").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(ApiSecurity, EachRoleIsDeniedWhatItMayNotDoAndTheDenialIsAudited) {
  testing::temp_dir dir;
  write_tokens(dir.path() / "tokens",
               "viewer watcher 0123456789abcdef0001\n"
               "operator oncall 0123456789abcdef0002\n"
               "admin lead 0123456789abcdef0003\n");
  config::api_security_config sec;
  sec.tokens_file = dir.path() / "tokens";
  ASSERT_TRUE(start(sec));
  auto stub = pb::Strait::NewStub(
      grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials()));
  auto list_audit = [&](const std::string& token, pb::ListAuditResponse* r) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    ctx.AddMetadata("authorization", "Bearer " + token);
    pb::ListAuditRequest req;
    req.set_after(0);
    return stub->ListAudit(&ctx, req, r);
  };
  pb::ListAuditResponse r;
  grpc::Status denied = list_audit("0123456789abcdef0001", &r);  // viewer
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(denied.error_message().find("needs the role operator; watcher has viewer"),
            std::string::npos)
      << denied.error_message();
  EXPECT_EQ(list_links(server.address(), grpc::InsecureChannelCredentials(), "0123456789abcdefffff")
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  ASSERT_TRUE(list_audit("0123456789abcdef0002", &r).ok());  // operator
  ASSERT_EQ(r.entries_size(), 2);
  EXPECT_EQ(r.entries(0).who(), "watcher");
  EXPECT_EQ(r.entries(0).role(), "viewer");
  EXPECT_EQ(r.entries(0).call(), "ListAudit");
  EXPECT_EQ(r.entries(0).args_digest().size(), 16u);
  EXPECT_EQ(r.entries(0).result().rfind("PERMISSION_DENIED: ", 0), 0u) << r.entries(0).result();
  EXPECT_EQ(r.entries(1).who(), "unauthenticated");
  EXPECT_EQ(r.entries(1).result().rfind("UNAUTHENTICATED: ", 0), 0u);
  EXPECT_NE(r.entries(1).result().find("(peer ipv4:127.0.0.1:"), std::string::npos)
      << r.entries(1).result();
  EXPECT_TRUE(list_audit("0123456789abcdef0003", &r).ok()) << "admin may do what operator may";
  EXPECT_EQ(r.entries_size(), 2) << "allowed calls are not audited (read-only)";
}

// GetOperation, ListOperations and WatchOperation are read-only (role
// viewer) but still refuse a caller without a credential before they look
// anything up.
TEST_F(ApiSecurity, OperationsAreReadByAnyRoleButNotWithoutACredential) {
  testing::temp_dir dir;
  write_tokens(dir.path() / "tokens", "viewer watcher 0123456789abcdef0001\n");
  config::api_security_config sec;
  sec.tokens_file = dir.path() / "tokens";
  ASSERT_TRUE(start(sec));
  auto stub = pb::Strait::NewStub(
      grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials()));
  for (const char* token : {"", "0123456789abcdef9999", "0123456789abcdef0001"}) {
    const bool valid = std::string(token) == "0123456789abcdef0001";
    auto context = [&] {
      auto ctx = std::make_unique<grpc::ClientContext>();
      ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
      if (*token != '\0') ctx->AddMetadata("authorization", std::string("Bearer ") + token);
      return ctx;
    };
    pb::GetOperationRequest get;
    get.set_link(std::string(10000, '\x1b'));  // hostile: long, control bytes
    get.set_id(1);
    pb::Operation op;
    auto ctx = context();
    grpc::Status got = stub->GetOperation(ctx.get(), get, &op);
    EXPECT_EQ(got.error_code(),
              valid ? grpc::StatusCode::NOT_FOUND : grpc::StatusCode::UNAUTHENTICATED)
        << token << ": " << got.error_message();
    pb::ListOperationsRequest list;
    list.set_link(get.link());
    pb::ListOperationsResponse listed;
    auto lctx = context();
    got = stub->ListOperations(lctx.get(), list, &listed);
    EXPECT_EQ(got.error_code(),
              valid ? grpc::StatusCode::NOT_FOUND : grpc::StatusCode::UNAUTHENTICATED)
        << token << ": " << got.error_message();
    pb::WatchOperationRequest watch;
    *watch.mutable_operation() = get;
    auto wctx = context();
    auto reader = stub->WatchOperation(wctx.get(), watch);
    EXPECT_FALSE(reader->Read(&op));
    EXPECT_EQ(reader->Finish().error_code(),
              valid ? grpc::StatusCode::NOT_FOUND : grpc::StatusCode::UNAUTHENTICATED)
        << token;
  }
}

TEST_F(ApiSecurity, MovesNeedAdminVerifyNeedsViewerAndEveryDenialIsAudited) {
  testing::temp_dir dir;
  write_tokens(dir.path() / "tokens",
               "viewer watcher 0123456789abcdef0001\n"
               "operator oncall 0123456789abcdef0002\n"
               "admin lead 0123456789abcdef0003\n");
  config::api_security_config sec;
  sec.tokens_file = dir.path() / "tokens";
  ASSERT_TRUE(start(sec));
  auto stub = pb::Strait::NewStub(
      grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials()));
  using move_fn = grpc::Status (pb::Strait::Stub::*)(grpc::ClientContext*, const pb::MoveRequest&,
                                                     pb::MoveResponse*);
  const std::vector<std::pair<std::string, move_fn>> moves = {
      {"CutoverTopics", &pb::Strait::Stub::CutoverTopics},
      {"RollbackTopics", &pb::Strait::Stub::RollbackTopics},
      {"FinalizeTopics", &pb::Strait::Stub::FinalizeTopics},
      {"CutoverGroups", &pb::Strait::Stub::CutoverGroups},
      {"RollbackGroups", &pb::Strait::Stub::RollbackGroups},
      {"FinalizeGroups", &pb::Strait::Stub::FinalizeGroups}};
  auto call = [&](move_fn fn, const std::string& token) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    ctx.AddMetadata("authorization", "Bearer " + token);
    pb::MoveRequest req;
    req.set_link("main");
    req.set_regex(".*");
    pb::MoveResponse r;
    return ((*stub).*fn)(&ctx, req, &r);
  };
  for (const auto& [name, fn] : moves) {
    for (const char* token : {"0123456789abcdef0001", "0123456789abcdef0002"}) {
      grpc::Status s = call(fn, token);
      EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << name;
      EXPECT_NE(s.error_message().find(name + " needs the role admin"), std::string::npos)
          << s.error_message();
    }
    // The admin passes authorization (this fake state knows no link).
    EXPECT_EQ(call(fn, "0123456789abcdef0003").error_code(), grpc::StatusCode::NOT_FOUND) << name;
  }
  EXPECT_EQ(control.moves.load(), 0);
  // A viewer may verify.
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer 0123456789abcdef0001");
  pb::VerifyRequest vreq;
  vreq.set_link("main");
  pb::VerifyReport vr;
  EXPECT_EQ(stub->Verify(&ctx, vreq, &vr).error_code(), grpc::StatusCode::NOT_FOUND);

  // Every denial is in the journal with the caller, its role and the call;
  // the admin's calls are there too (mutating calls are always recorded).
  auto entries = audit.list(0, 1000);
  ASSERT_TRUE(entries.has_value());
  int denied = 0, admin = 0;
  for (const auto& e : *entries) {
    if (e.result.starts_with("PERMISSION_DENIED")) {
      ++denied;
      EXPECT_TRUE(e.who == "watcher" || e.who == "oncall") << e.who;
    }
    if (e.who == "lead") {
      ++admin;
      EXPECT_TRUE(e.result.starts_with("NOT_FOUND")) << e.result;
    }
  }
  EXPECT_EQ(denied, 12);
  EXPECT_EQ(admin, 6);

  // Acknowledge: retry needs an operator, a lossy resolution an admin.
  auto acknowledge = [&](const std::string& token, const std::string& resolution) {
    grpc::ClientContext c;
    c.AddMetadata("authorization", "Bearer " + token);
    pb::AcknowledgeRequest req;
    req.set_link("main");
    req.set_topic("orders");
    req.set_partition(0);
    req.set_resolution(resolution);
    pb::AcknowledgeResponse r;
    return stub->Acknowledge(&c, req, &r).error_code();
  };
  EXPECT_EQ(acknowledge("0123456789abcdef0001", "retry"), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(acknowledge("0123456789abcdef0002", "retry"), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(acknowledge("0123456789abcdef0002", "skip-record"),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(acknowledge("0123456789abcdef0003", "skip-record"), grpc::StatusCode::NOT_FOUND);

  // Links: pause and resume need an operator, create and delete an admin.
  using link_fn =
      grpc::Status (pb::Strait::Stub::*)(grpc::ClientContext*, const pb::LinkRequest&, pb::Link*);
  auto link_call = [&](link_fn fn, const std::string& token) {
    grpc::ClientContext c;
    c.AddMetadata("authorization", "Bearer " + token);
    pb::LinkRequest req;
    req.set_link("main");
    pb::Link r;
    return ((*stub).*fn)(&c, req, &r).error_code();
  };
  // (Those authorized get NOT_FOUND: this fake state knows no link.)
  for (link_fn fn : {&pb::Strait::Stub::PauseLink, &pb::Strait::Stub::ResumeLink}) {
    EXPECT_EQ(link_call(fn, "0123456789abcdef0001"), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(link_call(fn, "0123456789abcdef0002"), grpc::StatusCode::NOT_FOUND);
  }
  EXPECT_EQ(link_call(&pb::Strait::Stub::DeleteLink, "0123456789abcdef0002"),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(link_call(&pb::Strait::Stub::DeleteLink, "0123456789abcdef0003"),
            grpc::StatusCode::NOT_FOUND);
  auto create = [&](const std::string& token) {
    grpc::ClientContext c;
    c.AddMetadata("authorization", "Bearer " + token);
    pb::CreateLinkRequest req;
    req.set_link_yaml("name: x\n");
    pb::Link r;
    return stub->CreateLink(&c, req, &r).error_code();
  };
  auto stage = [&](const std::string& token) {
    grpc::ClientContext c;
    c.AddMetadata("authorization", "Bearer " + token);
    pb::StageRequest req;
    req.set_link("main");
    req.set_topic_regex("orders");
    pb::StageResponse r;
    return stub->Stage(&c, req, &r).error_code();
  };
  EXPECT_EQ(stage("0123456789abcdef0001"), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(stage("0123456789abcdef0002"), grpc::StatusCode::NOT_FOUND) << "operator passes";
  EXPECT_EQ(create("0123456789abcdef0002"), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(create("0123456789abcdef0003"), grpc::StatusCode::OK);
  int link_denials = 0;
  const auto journal = audit.list(0, 1000);
  ASSERT_TRUE(journal.has_value());
  for (const auto& e : *journal) {
    if ((e.call == "PauseLink" || e.call == "ResumeLink" || e.call == "DeleteLink" ||
         e.call == "CreateLink") &&
        e.result.starts_with("PERMISSION_DENIED")) {
      ++link_denials;
    }
  }
  EXPECT_EQ(link_denials, 4);
}

TEST_F(ApiSecurity, BadTokenFilesAndCertificatesFailTheStartNamingTheField) {
  testing::pki k;
  auto start_with = [&](const std::string& tokens) {
    write_tokens(k.path("tokens"), tokens);
    api_server other;
    config::api_security_config sec;
    sec.tokens_file = k.path("tokens");
    auto r = other.start("127.0.0.1:0", sec, state, audit, control);
    return r.has_value() ? std::string() : r.error().message;
  };
  EXPECT_NE(start_with("root someone 0123456789abcdef0123\n").find("line 1: role 'root'"),
            std::string::npos);
  EXPECT_NE(start_with("viewer x short\n").find("shorter than 16"), std::string::npos);
  EXPECT_NE(start_with("viewer x\n").find("expected ROLE NAME TOKEN"), std::string::npos);
  EXPECT_NE(start_with("# nothing\n").find("holds no token"), std::string::npos);
  EXPECT_EQ(start_with("viewer x 0123456789abcdef0123\n").find("0123456789abcdef"),
            std::string::npos);
  // Names the journal uses for others are reserved.
  EXPECT_NE(start_with("admin local 0123456789abcdef0123\n").find("reserved"), std::string::npos);
  EXPECT_NE(start_with("admin unauthenticated 0123456789abcdef0123\n").find("reserved"),
            std::string::npos);
  {
    // Whoever can write the client CA file can make admins.
    std::filesystem::permissions(k.path("ca.crt"), fs::perms::group_write, fs::perm_options::add);
    api_server other;
    auto sec = tls_security(k);
    sec.client_ca_file = k.path("ca.crt");
    auto r = other.start("127.0.0.1:0", sec, state, audit, control);
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().message.find("chmod go-w"), std::string::npos) << r.error().message;
  }

  api_server other;
  config::api_security_config sec;
  sec.cert_file = k.path("missing.crt");
  sec.key_file = k.path("server.key");
  auto r = other.start("127.0.0.1:0", sec, state, audit, control);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("daemon.api_security.cert_file"), std::string::npos);
}

}  // namespace
}  // namespace strait::api
