#pragma once

// Certificates for tests, made with the openssl command line in a
// temporary directory: a CA, a server certificate for 127.0.0.1, client
// certificates with roles (docs/api.md#security).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "test_util.h"

namespace strait::testing {

// A CA, a server certificate for 127.0.0.1, and client certificates.
class pki {
 public:
  pki() {
    run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
        "-subj /CN=strait-test-ca -keyout ca.key -out ca.crt");
    issue("server", "/CN=localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost");
    issue("viewer", "/CN=alice/OU=strait-viewer", "");
    issue("norole", "/CN=bob", "");
  }
  [[nodiscard]] std::filesystem::path path(const std::string& name) const {
    return dir_.path() / name;
  }

  // A client certificate `name`.crt/.key with this subject, signed by the
  // CA `ca` (ca.crt/ca.key, or one made with make_ca).
  void issue(const std::string& name, const std::string& subject, const std::string& ext,
             const std::string& ca = "ca") const {
    run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj '" + subject +
        "' -keyout " + name + ".key -out " + name + ".csr");
    std::ofstream(path(name + ".ext")) << ext << "\n";
    run("openssl x509 -req -in " + name + ".csr -CA " + ca + ".crt -CAkey " + ca +
        ".key -CAcreateserial -days 2 " + (ext.empty() ? "" : "-extfile " + name + ".ext ") +
        "-out " + name + ".crt");
  }
  // Another CA, `name`.crt/.key, with the same name as the real one.
  void make_ca(const std::string& name) const {
    run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
        "-subj /CN=strait-test-ca -keyout " +
        name + ".key -out " + name + ".crt");
  }

 private:
  void run(const std::string& cmd) const {
    std::string full = "cd " + dir_.path().string() + " && " + cmd + " >/dev/null 2>&1";
    if (std::system(full.c_str()) != 0) throw std::runtime_error("failed: " + cmd);
  }
  testing::temp_dir dir_;
};

}  // namespace strait::testing
