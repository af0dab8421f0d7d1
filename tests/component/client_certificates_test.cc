// straitd's own use of OpenSSL for API callers (api/identity.h) on real
// certificates, in a binary whose LeakSanitizer report suppresses nothing:
// api_component_tests suppresses OpenSSL's allocations (api_lsan.supp), so
// this is where a leak of ours would show.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "pki.h"
#include "strait/api/identity.h"

namespace strait::api {
namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ClientCertificates, VerifyAndReadTheRoleOfRealCertificates) {
  testing::pki k;
  k.make_ca("rogue");
  k.issue("forged", "/CN=mallory/OU=strait-admin", "", "rogue");
  k.issue("two_roles", "/CN=dave/OU=strait-viewer/OU=strait-admin", "");
  auto ca = client_ca::load(slurp(k.path("ca.crt")));
  ASSERT_TRUE(ca.has_value()) << ca.error().message;
  for (int round = 0; round < 3; ++round) {  // a leak per call would add up
    const std::string viewer = slurp(k.path("viewer.crt"));
    EXPECT_TRUE(ca->verify(viewer, viewer).has_value());
    auto who = certificate_caller(viewer);
    ASSERT_TRUE(who.has_value()) << who.error().message;
    EXPECT_EQ(who->name, "alice");
    EXPECT_EQ(who->granted, role::viewer);

    const std::string forged = slurp(k.path("forged.crt"));
    auto refused = ca->verify(forged, forged);
    ASSERT_FALSE(refused.has_value());
    EXPECT_NE(refused.error().message.find("is not accepted"), std::string::npos)
        << refused.error().message;
    EXPECT_FALSE(certificate_caller(slurp(k.path("norole.crt"))).has_value());
    EXPECT_FALSE(certificate_caller(slurp(k.path("two_roles.crt"))).has_value());
    EXPECT_FALSE(ca->verify("not a certificate", "").has_value());
  }
  EXPECT_FALSE(client_ca::load("not a certificate").has_value());
}

}  // namespace
}  // namespace strait::api
