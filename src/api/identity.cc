#include "strait/api/identity.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <sstream>

#include "strait/base/digest.h"
#include "strait/base/small_file.h"
#include "strait/base/text.h"

namespace strait::api {

namespace {

constexpr size_t kMaxName = 128;
constexpr std::string_view kRolePrefix = "strait-";

bool starts_with_ignoring_case(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), s.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         });
}

// The UTF-8 value of a name entry ("" when it cannot be converted).
std::string utf8_value(X509_NAME_ENTRY* e) {
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
  if (n < 0) return "";
  std::string out(reinterpret_cast<const char*>(utf8), static_cast<size_t>(n));
  OPENSSL_free(utf8);
  return out;
}

}  // namespace

const char* to_string(role r) {
  switch (r) {
    case role::viewer:
      return "viewer";
    case role::operator_role:
      return "operator";
    case role::admin:
      return "admin";
  }
  return "unknown";
}

std::optional<role> parse_role(std::string_view s) {
  for (role r : {role::viewer, role::operator_role, role::admin}) {
    if (s == to_string(r)) return r;
  }
  return std::nullopt;
}

result<token_table> token_table::load(const std::filesystem::path& path) {
  const std::string field = "daemon.api_security.tokens_file";
  const std::string shown = printable(path.string());
  auto file = read_small_file(path, 1 << 20);
  if (!file) return fail(errc::invalid_argument, field + ": " + file.error().message);
  if ((file->mode & (S_IWGRP | S_IRWXO)) != 0) {
    return fail(
        errc::invalid_argument,
        field + ": " + shown +
            " is writable by its group or accessible by others; chmod 600 (or 640) it "
            "(a Kubernetes secret volume: defaultMode 0440 with the pod's fsGroup straitd's "
            "group)");
  }
  if (file->owner != ::geteuid() && file->owner != 0) {
    return fail(
        errc::invalid_argument,
        field + ": " + shown + " belongs to another user; chown it to straitd's user (or root)");
  }
  std::istringstream in(file->content);
  token_table table;
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    std::istringstream words(line);
    std::string r, name, token, extra;
    if (!(words >> r) || r.starts_with('#')) continue;
    const std::string where = field + ": " + shown + " line " + std::to_string(n);
    if (!(words >> name >> token) || (words >> extra)) {
      return fail(errc::invalid_argument,
                  where +
                      ": expected ROLE NAME TOKEN ('#' starts a comment only at the start "
                      "of a line)");
    }
    auto granted = parse_role(r);
    if (!granted) {
      return fail(errc::invalid_argument, where + ": role '" + printable(r, 32) +
                                              "' is not one of viewer, operator, admin");
    }
    if (token.size() < 16) {
      return fail(
          errc::invalid_argument,
          where + ": the token is shorter than 16 characters; use e.g. openssl rand -hex 24");
    }
    if (name.size() > kMaxName || printable(name) != name) {
      return fail(errc::invalid_argument,
                  where + ": the name must be at most 128 printable ASCII characters");
    }
    if (name == "local" || name.starts_with("unauthenticated") || name.starts_with("(")) {
      return fail(
          errc::invalid_argument,
          where + ": the name '" + name + "' is reserved for the audit journal; choose another");
    }
    auto digest = sha256(token);
    for (const auto& e : table.entries_) {
      if (e.digest == digest) {
        return fail(errc::invalid_argument, where + ": the same token is given twice");
      }
    }
    table.entries_.push_back({digest, caller{name, *granted}});
  }
  if (table.entries_.empty()) {
    return fail(errc::invalid_argument, field + ": " + shown + " holds no token");
  }
  return table;
}

std::optional<caller> token_table::find(std::string_view token) const {
  const auto digest = sha256(token);
  const entry* found = nullptr;
  for (const auto& e : entries_) {
    // Every entry is compared, each in constant time: the time taken does
    // not tell how much of which token matched.
    if (CRYPTO_memcmp(e.digest.data(), digest.data(), digest.size()) == 0) found = &e;
  }
  if (found == nullptr) return std::nullopt;
  return found->who;
}

namespace {

using x509_ptr = std::unique_ptr<X509, decltype(&X509_free)>;

// The certificates of a PEM text, in order, at most `max`.
std::vector<x509_ptr> read_certificates(std::string_view pem, size_t max) {
  std::vector<x509_ptr> out;
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(std::min<size_t>(pem.size(), 1 << 20))),
      &BIO_free);
  if (!bio) return out;
  while (out.size() < max) {
    X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (c == nullptr) break;
    out.emplace_back(c, &X509_free);
  }
  ERR_clear_error();  // the end of the text reads as an error
  return out;
}

std::string subject_of(X509* cert) {
  std::string text;
  if (char* one_line = X509_NAME_oneline(X509_get_subject_name(cert), nullptr, 0)) {
    text = printable(one_line, 256);
    OPENSSL_free(one_line);
  }
  return text;
}

}  // namespace

result<client_ca> client_ca::load(std::string_view pem) {
  const std::string field = "daemon.api_security.client_ca_file";
  auto certs = read_certificates(pem, SIZE_MAX);  // a CA bundle: all of it
  if (certs.empty()) {
    return fail(errc::invalid_argument, field + ": holds no PEM certificate");
  }
  client_ca ca;
  ca.store_ = std::shared_ptr<X509_STORE>(X509_STORE_new(), &X509_STORE_free);
  if (!ca.store_) return fail(errc::io, field + ": out of memory");
  // As gRPC's own check did: a CA file may hold an intermediate alone and
  // still be the anchor of the clients it issued.
  X509_STORE_set_flags(ca.store_.get(), X509_V_FLAG_PARTIAL_CHAIN);
  for (const auto& c : certs) {
    if (X509_STORE_add_cert(ca.store_.get(), c.get()) != 1) {
      ERR_clear_error();
      return fail(errc::invalid_argument,
                  field + ": cannot use the certificate " + subject_of(c.get()));
    }
  }
  return ca;
}

status client_ca::verify(std::string_view leaf_pem, std::string_view chain_pem) const {
  auto leaf = read_certificates(leaf_pem, 1);
  if (leaf.empty()) return fail(errc::invalid_argument, "the client certificate cannot be parsed");
  auto chain = read_certificates(chain_pem, 16);                    // no real chain is longer
  auto free_stack = [](STACK_OF(X509) * st) { sk_X509_free(st); };  // not the certificates
  std::unique_ptr<STACK_OF(X509), decltype(free_stack)> untrusted(sk_X509_new_null(), free_stack);
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      &X509_STORE_CTX_free);
  if (!untrusted || !ctx) return fail(errc::io, "cannot check the client certificate");
  for (const auto& c : chain) sk_X509_push(untrusted.get(), c.get());  // borrowed
  if (X509_STORE_CTX_init(ctx.get(), store_.get(), leaf.front().get(), untrusted.get()) != 1 ||
      X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_CLIENT) != 1) {
    ERR_clear_error();
    return fail(errc::io, "cannot check the client certificate");
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    const int why = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    return fail(errc::invalid_argument,
                "the client certificate (" + subject_of(leaf.front().get()) +
                    ") is not accepted: " + X509_verify_cert_error_string(why) +
                    "; it must be valid now and issued under daemon.api_security.client_ca_file");
  }
  return {};
}

result<caller> certificate_caller(std::string_view pem) {
  auto certs = read_certificates(pem, 1);
  if (certs.empty()) {
    return fail(errc::invalid_argument, "the client certificate cannot be parsed");
  }
  X509_NAME* subject = X509_get_subject_name(certs.front().get());
  const std::string subject_text = subject_of(certs.front().get());
  const std::string described = "the client certificate (" + subject_text + ")";
  std::vector<std::string> common_names;
  std::optional<role> granted;
  for (int i = 0; i < X509_NAME_entry_count(subject); ++i) {
    X509_NAME_ENTRY* e = X509_NAME_get_entry(subject, i);
    const int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
    if (nid == NID_commonName) {
      common_names.push_back(utf8_value(e));
      continue;
    }
    if (nid != NID_organizationalUnitName) continue;
    const std::string ou = utf8_value(e);
    if (!starts_with_ignoring_case(ou, kRolePrefix)) continue;  // another unit's OU
    auto r = ou.starts_with(kRolePrefix)
                 ? parse_role(std::string_view(ou).substr(kRolePrefix.size()))
                 : std::nullopt;
    if (!r) {
      return fail(errc::invalid_argument,
                  described + " has OU=" + printable(ou, 64) +
                      ", which is not a strait role: use exactly OU=strait-viewer, "
                      "OU=strait-operator or OU=strait-admin");
    }
    if (granted && *granted != *r) {
      return fail(errc::invalid_argument, described + " names two roles (OU=strait-" +
                                              to_string(*granted) + " and OU=strait-" +
                                              to_string(*r) + "): issue it with exactly one");
    }
    granted = r;
  }
  if (!granted) {
    return fail(errc::invalid_argument,
                described +
                    " carries no strait role: issue it with OU=strait-viewer, "
                    "OU=strait-operator or OU=strait-admin");
  }
  if (common_names.size() != 1 || common_names.front().empty() ||
      common_names.front().size() > kMaxName) {
    return fail(errc::invalid_argument,
                described +
                    " must have exactly one CN of at most 128 bytes (the caller's name in the "
                    "audit journal)");
  }
  const std::string& cn = common_names.front();
  if (cn == "local" || cn.starts_with("unauthenticated") || cn.starts_with("(")) {
    return fail(errc::invalid_argument,
                described + ": the CN " + printable(cn) + " is reserved for the audit journal");
  }
  return caller{printable(common_names.front(), kMaxName), *granted};
}

}  // namespace strait::api
