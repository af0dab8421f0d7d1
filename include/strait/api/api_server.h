#pragma once

#include <memory>
#include <string>

#include "strait/api/status.h"
#include "strait/base/result.h"
#include "strait/config/config.h"

namespace strait::api {

// The gRPC server of the strait.v1 API (proto/strait/v1/strait.proto,
// docs/api.md). All gRPC code lives in api_server.cc, so only that
// translation unit pays for the gRPC headers.
//
// Threads: gRPC's own; every call reads through the state_provider; the
// journal's ("api-journal", budgeted_journal) while the server runs.
class api_server {
 public:
  api_server();
  ~api_server();
  api_server(const api_server&) = delete;
  api_server& operator=(const api_server&) = delete;

  // Listens on `listen` (host:port; port 0 = any free port), with TLS when
  // `security` has a certificate, requiring client certificates when it has
  // a client CA, and bearer tokens when it has a tokens file. Every call is
  // authorized by role (viewer < operator < admin); every refusal and
  // denial, and every mutating call, is recorded in `audit`; `ctl` carries
  // out the mutating calls. `state`, `audit` and `ctl` must outlive the
  // server. Unreadable files fail with errc::invalid_argument naming the field.
  [[nodiscard]] status start(const std::string& listen, const config::api_security_config& security,
                             const state_provider& state, audit_log& audit, control& ctl);
  // Ends open streams and stops; calls in flight get 2 s.
  void stop();
  // host:port actually bound (after start).
  [[nodiscard]] std::string address() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace strait::api
