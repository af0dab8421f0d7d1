#pragma once

// Who calls the strait.v1 API, from a bearer token or a client certificate,
// and with which role (docs/security.md#identities). No gRPC types: the
// server hands over the token text and the peer certificate's PEM.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strait/base/result.h"

struct x509_store_st;  // OpenSSL's X509_STORE

namespace strait::api {

// Roles, each allowed what the one before it is (docs/security.md).
enum class role { viewer = 1, operator_role = 2, admin = 3 };

[[nodiscard]] const char* to_string(role r);
[[nodiscard]] std::optional<role> parse_role(std::string_view s);

struct caller {
  std::string name;  // escaped for a terminal (base/text.h printable)
  role granted = role::viewer;
};

// The tokens of daemon.api_security.tokens_file: "ROLE NAME TOKEN" per line,
// '#' as the first non-blank character of a line makes it a comment (a '#'
// inside a token is part of the token). The file must not be writable by
// its group or accessible by others. Only SHA-256 digests of the tokens are
// kept; a lookup compares the presented token's digest with every entry in
// constant time. Errors name the file and line, never a token.
class token_table {
 public:
  static result<token_table> load(const std::filesystem::path& path);

  // The caller whose token this is, if any.
  [[nodiscard]] std::optional<caller> find(std::string_view token) const;
  [[nodiscard]] bool empty() const { return entries_.empty(); }

 private:
  struct entry {
    std::string digest;  // SHA-256, 32 bytes
    caller who;
  };
  std::vector<entry> entries_;
};

// The CAs of daemon.api_security.client_ca_file, which straitd checks client
// certificates against itself (the TLS handshake asks for a certificate but
// leaves the verdict to straitd), so that a certificate from another CA, an
// expired one or none at all is a refusal the audit journal records rather
// than a failed handshake nobody sees. The handshake still proves that the
// client holds the certificate's private key.
class client_ca {
 public:
  // Errors name daemon.api_security.client_ca_file.
  static result<client_ca> load(std::string_view pem);
  // Whether `leaf_pem` (with the intermediates of `chain_pem`, the peer's
  // whole chain as TLS received it) is a valid client certificate issued
  // under these CAs now; the error says why not.
  [[nodiscard]] status verify(std::string_view leaf_pem, std::string_view chain_pem) const;

 private:
  std::shared_ptr<x509_store_st> store_;
};

// The caller a client certificate (PEM, the leaf client_ca::verify() accepted)
// names. The role is read from the subject's
// organizationalUnitName attributes as X.509 values, never from the
// subject's text: exactly the values strait-viewer, strait-operator,
// strait-admin count. A certificate is refused when it names no role, two
// different roles, or an OU that starts with "strait-" (any case) but is not
// exactly one of the three (a typo must not pass as a lesser or no role).
// The name is the subject's one commonName. Errors describe the subject
// escaped for a terminal.
[[nodiscard]] result<caller> certificate_caller(std::string_view pem);

}  // namespace strait::api
