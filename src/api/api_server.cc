// The only translation unit of straitd that includes gRPC headers.
#include <utility>  // before gRPC/Abseil headers in C++20 and later

#include "strait/api/api_server.h"
#include "strait/plan/metadata_planner.h"
#include "strait/scan/report.h"
#include "strait/scan/shard_plan.h"
#include "strait/scorecard/scorecard.h"

#include <grpcpp/grpcpp.h>
#include <re2/re2.h>
#include <sys/stat.h>

#include <grpcpp/security/server_credentials.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <variant>

#include "strait.grpc.pb.h"
#include "strait/api/budgeted_journal.h"
#include "strait/api/identity.h"
#include "strait/api/journal_budget.h"
#include "strait/base/clock.h"
#include "strait/base/digest.h"
#include "strait/base/small_file.h"
#include "strait/base/text.h"

namespace strait::api {

namespace {

namespace pb = ::strait::v1;

grpc::Status to_grpc(const error& e) {
  switch (e.code) {
    case errc::invalid_argument:
      return {grpc::StatusCode::INVALID_ARGUMENT, e.message};
    case errc::not_found:
      return {grpc::StatusCode::NOT_FOUND, e.message};
    case errc::precondition:
      return {grpc::StatusCode::FAILED_PRECONDITION, e.message};
    case errc::busy:
      return {grpc::StatusCode::ABORTED, e.message};
    case errc::kafka:
    case errc::registry:
      return {grpc::StatusCode::UNAVAILABLE, e.message};
    case errc::corruption:
    case errc::io:
      return {grpc::StatusCode::INTERNAL, e.message};
  }
  return {grpc::StatusCode::UNKNOWN, e.message};
}

// The wire's enums, one case each, so that a state, reason or verdict
// added inside straitd fails to compile here (-Wswitch) until the API has it.
pb::MigrationState to_proto(migration::topic_state s) {
  using migration::topic_state;
  switch (s) {
    case topic_state::staged:
      return pb::MIGRATION_STATE_STAGED;
    case topic_state::mirroring:
      return pb::MIGRATION_STATE_MIRRORING;
    case topic_state::in_sync:
      return pb::MIGRATION_STATE_IN_SYNC;
    case topic_state::verified:
      return pb::MIGRATION_STATE_VERIFIED;
    case topic_state::draining:
      return pb::MIGRATION_STATE_DRAINING;
    case topic_state::cut_over:
      return pb::MIGRATION_STATE_CUT_OVER;
    case topic_state::rolled_back:
      return pb::MIGRATION_STATE_ROLLED_BACK;
    case topic_state::finalized:
      return pb::MIGRATION_STATE_FINALIZED;
  }
  return pb::MIGRATION_STATE_UNSPECIFIED;
}

pb::MigrationState to_proto(migration::group_state s) {
  using migration::group_state;
  switch (s) {
    case group_state::tracked:
      return pb::MIGRATION_STATE_TRACKED;
    case group_state::syncing:
      return pb::MIGRATION_STATE_SYNCING;
    case group_state::cutting_over:
      return pb::MIGRATION_STATE_CUTTING_OVER;
    case group_state::cut_over:
      return pb::MIGRATION_STATE_CUT_OVER;
    case group_state::rolled_back:
      return pb::MIGRATION_STATE_ROLLED_BACK;
    case group_state::finalized:
      return pb::MIGRATION_STATE_FINALIZED;
  }
  return pb::MIGRATION_STATE_UNSPECIFIED;
}

pb::MigrationState to_proto(const migration::any_state& s) {
  return std::visit([](auto state) { return to_proto(state); }, s);
}

pb::OperationPhase to_proto(migration::op_phase p) {
  using migration::op_phase;
  switch (p) {
    case op_phase::starting:
      return pb::OPERATION_PHASE_STARTING;
    case op_phase::waiting_for_quiet:
      return pb::OPERATION_PHASE_WAITING_FOR_QUIET;
    case op_phase::mirroring_tail:
      return pb::OPERATION_PHASE_MIRRORING_TAIL;
    case op_phase::verifying_tail:
      return pb::OPERATION_PHASE_VERIFYING_TAIL;
    case op_phase::handing_over:
      return pb::OPERATION_PHASE_HANDING_OVER;
    case op_phase::copying_back:
      return pb::OPERATION_PHASE_COPYING_BACK;
    case op_phase::resuming:
      return pb::OPERATION_PHASE_RESUMING;
    case op_phase::waiting_for_members:
      return pb::OPERATION_PHASE_WAITING_FOR_MEMBERS;
    case op_phase::waiting_for_mirroring:
      return pb::OPERATION_PHASE_WAITING_FOR_MIRRORING;
    case op_phase::writing_offsets:
      return pb::OPERATION_PHASE_WRITING_OFFSETS;
    case op_phase::done:
      return pb::OPERATION_PHASE_DONE;
    case op_phase::cancelled:
      return pb::OPERATION_PHASE_CANCELLED;
  }
  return pb::OPERATION_PHASE_UNSPECIFIED;
}

pb::StuckReason to_proto(migration::stuck_reason r) {
  using migration::stuck_reason;
  switch (r) {
    case stuck_reason::none:
      return pb::STUCK_REASON_NONE;
    case stuck_reason::partition_stopped:
      return pb::STUCK_REASON_PARTITION_STOPPED;
    case stuck_reason::tail_verification_failed:
      return pb::STUCK_REASON_TAIL_VERIFICATION_FAILED;
    case stuck_reason::foreign_records:
      return pb::STUCK_REASON_FOREIGN_RECORDS;
    case stuck_reason::state_not_stored:
      return pb::STUCK_REASON_STATE_NOT_STORED;
    case stuck_reason::topic_finalized:
      return pb::STUCK_REASON_TOPIC_FINALIZED;
    case stuck_reason::fence_refused:
      return pb::STUCK_REASON_FENCE_REFUSED;
  }
  return pb::STUCK_REASON_NONE;
}

pb::StopReason to_proto(store::stop_reason r) {
  using store::stop_reason;
  switch (r) {
    case stop_reason::none:
      return pb::STOP_REASON_NONE;
    case stop_reason::retention_gap:
      return pb::STOP_REASON_RETENTION_GAP;
    case stop_reason::source_truncated:
      return pb::STOP_REASON_SOURCE_TRUNCATED;
    case stop_reason::source_topic_deleted:
      return pb::STOP_REASON_SOURCE_TOPIC_DELETED;
    case stop_reason::oversized_record:
      return pb::STOP_REASON_OVERSIZED_RECORD;
    case stop_reason::foreign_write:
      return pb::STOP_REASON_FOREIGN_WRITE;
    case stop_reason::target_not_empty:
      return pb::STOP_REASON_TARGET_NOT_EMPTY;
    case stop_reason::target_truncated:
      return pb::STOP_REASON_TARGET_TRUNCATED;
    case stop_reason::recovery_mismatch:
      return pb::STOP_REASON_RECOVERY_MISMATCH;
    case stop_reason::delivery_failed:
      return pb::STOP_REASON_DELIVERY_FAILED;
    case stop_reason::handed_over:
      return pb::STOP_REASON_HANDED_OVER;
    case stop_reason::internal_error:
      return pb::STOP_REASON_INTERNAL_ERROR;
    case stop_reason::released:
      return pb::STOP_REASON_RELEASED;
  }
  return pb::STOP_REASON_NONE;
}

pb::ScanOutcome to_proto(scan::outcome o) {
  switch (o) {
    case scan::outcome::running:
      return pb::SCAN_OUTCOME_RUNNING;
    case scan::outcome::done:
      return pb::SCAN_OUTCOME_DONE;
    case scan::outcome::failed:
      return pb::SCAN_OUTCOME_FAILED;
    case scan::outcome::interrupted:
      return pb::SCAN_OUTCOME_INTERRUPTED;
    case scan::outcome::unknown:
      break;
  }
  return pb::SCAN_OUTCOME_UNSPECIFIED;
}

pb::Headroom to_proto(scan::rating r) {
  switch (r) {
    case scan::rating::green:
      return pb::HEADROOM_GREEN;
    case scan::rating::yellow:
      return pb::HEADROOM_YELLOW;
    case scan::rating::red:
      return pb::HEADROOM_RED;
    case scan::rating::unknown:
      break;
  }
  return pb::HEADROOM_UNSPECIFIED;
}

pb::PlanAction to_proto(plan::action a) {
  switch (a) {
    case plan::action::create:
      return pb::PLAN_ACTION_CREATE;
    case plan::action::add_partitions:
      return pb::PLAN_ACTION_ADD_PARTITIONS;
    case plan::action::change_configs:
      return pb::PLAN_ACTION_CHANGE_CONFIGS;
    case plan::action::nothing:
      return pb::PLAN_ACTION_NOTHING;
    case plan::action::blocked:
      return pb::PLAN_ACTION_BLOCKED;
  }
  return pb::PLAN_ACTION_UNSPECIFIED;
}

pb::AclAction to_proto(policy::acl_action a) {
  switch (a) {
    case policy::acl_action::create:
      return pb::ACL_ACTION_CREATE;
    case policy::acl_action::at_cutover:
      return pb::ACL_ACTION_AT_CUTOVER;
    case policy::acl_action::nothing:
      return pb::ACL_ACTION_NOTHING;
    case policy::acl_action::blocked:
      return pb::ACL_ACTION_BLOCKED;
  }
  return pb::ACL_ACTION_UNSPECIFIED;
}

pb::ApplyOutcome to_proto(plan::outcome o) {
  switch (o) {
    case plan::outcome::done:
      return pb::APPLY_OUTCOME_DONE;
    case plan::outcome::failed:
      return pb::APPLY_OUTCOME_FAILED;
    case plan::outcome::not_reached:
      return pb::APPLY_OUTCOME_NOT_REACHED;
    case plan::outcome::would:
      return pb::APPLY_OUTCOME_WOULD;
    case plan::outcome::no_action:
      return pb::APPLY_OUTCOME_UNSPECIFIED;
  }
  return pb::APPLY_OUTCOME_UNSPECIFIED;
}

pb::CatchUp to_proto(scan::catch_up_status s) {
  switch (s) {
    case scan::catch_up_status::caught_up:
      return pb::CATCH_UP_CAUGHT_UP;
    case scan::catch_up_status::estimated:
      return pb::CATCH_UP_ESTIMATED;
    case scan::catch_up_status::no_rate:
      return pb::CATCH_UP_NO_RATE;
    case scan::catch_up_status::falls_behind:
      return pb::CATCH_UP_FALLS_BEHIND;
    case scan::catch_up_status::keeping_pace:
      return pb::CATCH_UP_KEEPING_PACE;
    case scan::catch_up_status::unknown:
      break;
  }
  return pb::CATCH_UP_UNSPECIFIED;
}

pb::VerifyOutcome to_proto(verify::verdict v) {
  switch (v) {
    case verify::verdict::running:
      return pb::VERIFY_OUTCOME_RUNNING;
    case verify::verdict::passed:
      return pb::VERIFY_OUTCOME_PASSED;
    case verify::verdict::failed:
      return pb::VERIFY_OUTCOME_FAILED;
    case verify::verdict::interrupted:
      return pb::VERIFY_OUTCOME_INTERRUPTED;
  }
  return pb::VERIFY_OUTCOME_UNSPECIFIED;
}

// A partition of TopicStatus (forward or reverse mirroring).
void fill_partition(const partition_view& p, pb::PartitionStatus* out) {
  out->set_partition(p.partition);
  out->set_next_source_offset(p.next_source);
  out->set_next_target_offset(p.next_target);
  out->set_lag_records(p.lag_records);
  out->set_lag_seconds(p.lag_seconds);
  out->set_stopped(p.stopped == store::stop_reason::none ? "" : store::to_string(p.stopped));
  out->set_stop_reason(to_proto(p.stopped));
  out->set_stop_detail(p.stop_detail);
  out->set_records_per_second(p.records_per_second);
}

void fill_shards(const std::string& link, const shards_info& s, pb::ShardAssignment* out) {
  out->set_link(link);
  out->set_shard(s.self.ordinal);
  out->set_shards(s.self.count);
  out->set_problem(s.stored.problem);
  out->set_assigned(s.stored.in_force());
  out->set_applied_at_ms(s.stored.applied_at_ms);
  for (const auto& t : s.stored.released_topics) out->add_released_topics(t);
  for (const auto& g : s.stored.released_groups) out->add_released_groups(g);
  for (const auto& t : s.stored.received_topics) out->add_received_topics(t);
  for (const auto& g : s.stored.received_groups) out->add_received_groups(g);
  if (!s.stored.assignment) return;
  out->set_digest(s.stored.assignment->digest);
  out->set_planned_shards(s.stored.assignment->shards);
  out->set_scan_id(s.stored.assignment->scan_id);
  for (const auto& c : s.stored.assignment->components) {
    auto* pc = out->add_components();
    for (const auto& t : c.topics) pc->add_topics(t);
    for (const auto& g : c.groups) pc->add_groups(g);
    pc->set_bytes(c.bytes);
    pc->set_shard(c.shard);
  }
}

void fill_link(const link_info& info, pb::Link* out) {
  const config::link_config& l = info.cfg;
  out->set_name(l.name);
  out->set_origin(info.from_api ? pb::LINK_ORIGIN_API : pb::LINK_ORIGIN_CONFIG_FILE);
  out->set_paused(info.paused);
  out->set_source_bootstrap(l.source.bootstrap());
  out->set_target_bootstrap(l.target.bootstrap());
  for (const auto& r : l.topics.include) out->add_topic_include(r);
  for (const auto& r : l.topics.exclude) out->add_topic_exclude(r);
  out->set_topic_prefix(l.topics.prefix);
  out->set_group_sync(l.groups.enabled);
  for (const auto& r : l.groups.include) out->add_group_include(r);
  for (const auto& r : l.groups.exclude) out->add_group_exclude(r);
}

// An optional RE2 full-match filter from a request field. Patterns are
// bounded in length and in compiled size (RE2 instructions: matching a name
// costs at most about its length times that when RE2 falls back from its
// DFA), so one call's compilation and matching cost little CPU whoever
// sends it; make() runs only after the caller is authorized, once a call.
class name_filter {
 public:
  static constexpr size_t kMaxPatternBytes = 16 * 1024;
  static constexpr int64_t kMaxProgramBytes = 2 << 20;
  static constexpr int kMaxInstructions = 10000;  // ~500 topic names of 20 characters, or-ed

  static result<name_filter> make(const std::string& pattern, const char* field) {
    name_filter f;
    // Empty: every name; so is ".*", also one that is not valid UTF-8
    // (which RE2's '.' does not match), as in the config's filters.
    if (pattern.empty() || pattern == ".*") return f;
    if (pattern.size() > kMaxPatternBytes) {
      return fail(errc::invalid_argument,
                  std::string(field) + ": " + std::to_string(pattern.size()) +
                      " bytes; at most 16 KiB (select by a shorter pattern, e.g. a prefix)");
    }
    RE2::Options options;
    options.set_log_errors(false);
    options.set_max_mem(kMaxProgramBytes);
    options.set_dot_nl(true);  // as the config's filters: ".*" selects every name
    f.re_ = std::make_shared<RE2>(pattern, options);
    if (!f.re_->ok()) {
      const bool too_large = f.re_->error_code() == RE2::ErrorPatternTooLarge;
      return fail(errc::invalid_argument,
                  std::string(field) + ": invalid regex: " + printable(f.re_->error(), 200) +
                      (too_large ? " (it compiles to more than 2 MiB: simplify it)"
                                 : " (RE2 syntax, matched against the whole name)"));
    }
    if (f.re_->ProgramSize() > kMaxInstructions) {
      return fail(errc::invalid_argument,
                  std::string(field) + ": the regex compiles to " +
                      std::to_string(f.re_->ProgramSize()) + " RE2 instructions; at most " +
                      std::to_string(kMaxInstructions) +
                      " (simplify it: fewer counted repetitions, a common prefix)");
    }
    return f;
  }
  // A filter that matches no name.
  static name_filter nothing() {
    name_filter f;
    f.nothing_ = true;
    return f;
  }
  [[nodiscard]] bool matches(const std::string& name) const {
    return !nothing_ && (!re_ || RE2::FullMatch(name, *re_));
  }

 private:
  std::shared_ptr<RE2> re_;
  bool nothing_ = false;
};

// A PEM file of daemon.api_security (at most 1 MiB). Whoever can write the
// client CA file can make admins, so it must not be writable by others.
result<std::string> read_file(const std::filesystem::path& path, const std::string& field,
                              bool grants_roles = false) {
  auto file = read_small_file(path, 1 << 20);
  if (!file) return fail(errc::invalid_argument, field + ": " + file.error().message);
  if (grants_roles && (file->mode & (S_IWGRP | S_IWOTH)) != 0) {
    return fail(errc::invalid_argument,
                field + ": " + printable(path.string()) +
                    " is writable by its group or by others, who could then make admins; "
                    "chmod go-w it");
  }
  return std::move(file->content);
}

// Who calls, from a bearer token, else from the client certificate, else
// (loopback without either) the local operator with every right.
class authenticator {
 public:
  authenticator(token_table tokens, std::optional<client_ca> client_certs)
      : tokens_(std::move(tokens)), client_certs_(std::move(client_certs)) {}

  // With client certificates, the certificate is checked first whatever
  // else is configured (it secures the connection); then a token, when
  // tokens are configured, gives the name and role, else the certificate.
  [[nodiscard]] std::variant<caller, grpc::Status> identify(const grpc::ServerContext& ctx) const {
    std::string_view leaf;
    const auto auth = ctx.auth_context();
    std::vector<grpc::string_ref> pems;
    if (client_certs_) {
      pems = auth->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME);
      if (pems.empty()) {
        return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                            "no client certificate: this straitd requires one signed by "
                            "daemon.api_security.client_ca_file (straitctl --tls-cert/--tls-key)");
      }
      leaf = std::string_view(pems.front().data(), pems.front().size());
      std::string chain;
      for (const auto& c : auth->FindPropertyValues(GRPC_X509_PEM_CERT_CHAIN_PROPERTY_NAME)) {
        chain.append(c.data(), c.size());
      }
      if (auto verified = client_certs_->verify(leaf, chain); !verified) {
        return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, verified.error().message);
      }
    }
    if (!tokens_.empty()) {
      const auto& md = ctx.client_metadata();
      auto it = md.find("authorization");
      static constexpr std::string_view kBearer = "Bearer ";
      if (it == md.end() ||
          !std::string_view(it->second.data(), it->second.size()).starts_with(kBearer)) {
        return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                            "this straitd requires a token: pass straitctl --token-file FILE "
                            "(a token from daemon.api_security.tokens_file)");
      }
      auto found = tokens_.find(
          std::string_view(it->second.data() + kBearer.size(), it->second.size() - kBearer.size()));
      if (!found) {
        return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                            "unknown token: check straitctl --token-file against "
                            "daemon.api_security.tokens_file");
      }
      return *found;
    }
    if (client_certs_) {
      auto who = certificate_caller(leaf);
      if (!who) return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, who.error().message);
      return *who;
    }
    return caller{"local", role::admin};
  }

 private:
  token_table tokens_;
  std::optional<client_ca> client_certs_;
};

std::string digest_of(const google::protobuf::Message& m) {
  record_digest d;
  d.add(m.SerializeAsString());
  return d.hex();
}

// Calls of one caller recorded per minute (journal_budget).
constexpr int kJournalBudget = 60;
// WatchStatus streams at once, and gRPC's threads in all (each call in
// progress holds one): bounds on what callers can make straitd hold.
constexpr int kMaxWatchers = 32;
// The largest component export (ExportComponent answers it, ImportComponent
// takes it in chunks): within straitctl's receive limit (64 MiB) with room
// for the answer's other fields.
constexpr size_t kMaxComponentExport = 60u << 20;
constexpr int kMaxApiThreads = 128;

class service final : public pb::Strait::Service {
 public:
  service(const state_provider& state, audit_log& audit, control& ctl, authenticator auth)
      : state_(state),
        audit_(audit),
        control_(ctl),
        auth_(std::move(auth)),
        journal_(audit, kJournalBudget, std::chrono::minutes(1)) {}

  // Once the server runs: summaries of ended budget windows are written
  // within seconds, even when no other entry follows.
  void started() { journal_.start(std::chrono::seconds(5)); }

  // Wakes streams so that they end; called before the server shuts down.
  void stopping() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
  }

  // Writes what the journal budget still counts; after the last call ended.
  void stopped() { journal_.stop(); }

  grpc::Status ListLinks(grpc::ServerContext* ctx, const pb::ListLinksRequest*,
                         pb::ListLinksResponse* out) override {
    if (auto s = authorize(*ctx, "ListLinks", role::viewer, pb::ListLinksRequest()); !s.ok())
      return s;
    for (const auto& l : state_.links()) fill_link(l, out->add_links());
    return grpc::Status::OK;
  }

  grpc::Status GetLink(grpc::ServerContext* ctx, const pb::GetLinkRequest* req,
                       pb::Link* out) override {
    if (auto s = authorize(*ctx, "GetLink", role::viewer, *req); !s.ok()) return s;
    for (const auto& l : state_.links()) {
      if (l.cfg.name == req->link()) {
        fill_link(l, out);
        return grpc::Status::OK;
      }
    }
    return unknown_link(req->link());
  }

  grpc::Status CreateLink(grpc::ServerContext* ctx, const pb::CreateLinkRequest* req,
                          pb::Link* out) override {
    return mutate<pb::CreateLinkRequest, pb::Link>(
        *ctx, "CreateLink", role::admin, *req, out,
        [&]() -> grpc::Status {
          if (req->link_yaml().empty()) {
            return {grpc::StatusCode::INVALID_ARGUMENT,
                    "link_yaml: required: one entry of the config file's links list (name, "
                    "source, target, topics, ...)"};
          }
          return grpc::Status::OK;
        },
        [&](const caller&, pb::Link* resp) -> grpc::Status {
          auto info = control_.create_link(req->link_yaml(), req->dry_run());
          if (!info) return to_grpc(info.error());
          fill_link(*info, resp);
          return grpc::Status::OK;
        },
        [] { return std::string(); });
  }

  grpc::Status Stage(grpc::ServerContext* ctx, const pb::StageRequest* req,
                     pb::StageResponse* out) override {
    name_filter topics, groups;
    return mutate<pb::StageRequest, pb::StageResponse>(
        *ctx, "Stage", role::operator_role, *req, out,
        [&]() -> grpc::Status {
          if (req->topic_regex().empty() && req->group_regex().empty()) {
            return {grpc::StatusCode::INVALID_ARGUMENT,
                    "topic_regex or group_regex: give at least one (RE2, full match)"};
          }
          if (auto s = make_filters(req->topic_regex(), req->group_regex(), &topics, &groups);
              !s.ok()) {
            return s;
          }
          return known_link(req->link()) ? grpc::Status::OK : unknown_link(req->link());
        },
        [&](const caller&, pb::StageResponse* resp) -> grpc::Status {
          auto r = control_.stage(req->link(), selected_by(topics, req->topic_regex()),
                                  selected_by(groups, req->group_regex()), req->dry_run());
          if (!r) return to_grpc(r.error());
          for (const auto& n : r->topics) resp->add_topics(n);
          for (const auto& n : r->groups) resp->add_groups(n);
          return grpc::Status::OK;
        },
        [&] { return states_of(req->link(), topics, groups); });
  }

  grpc::Status DeleteLink(grpc::ServerContext* ctx, const pb::LinkRequest* req,
                          pb::Link* out) override {
    return link_call(*ctx, "DeleteLink", role::admin, *req, out, &control::delete_link);
  }
  grpc::Status PauseLink(grpc::ServerContext* ctx, const pb::LinkRequest* req,
                         pb::Link* out) override {
    return link_call(*ctx, "PauseLink", role::operator_role, *req, out, &control::pause_link);
  }
  grpc::Status ResumeLink(grpc::ServerContext* ctx, const pb::LinkRequest* req,
                          pb::Link* out) override {
    return link_call(*ctx, "ResumeLink", role::operator_role, *req, out, &control::resume_link);
  }

  grpc::Status GetStatus(grpc::ServerContext* ctx, const pb::GetStatusRequest* req,
                         pb::LinkStatus* out) override {
    if (auto s = authorize(*ctx, "GetStatus", role::viewer, *req); !s.ok()) return s;
    name_filter topics, groups;
    if (auto s = make_filters(req->topic_regex(), req->group_regex(), &topics, &groups); !s.ok()) {
      return s;
    }
    return fill_status(req->link(), topics, groups, out);
  }

  grpc::Status ListAudit(grpc::ServerContext* ctx, const pb::ListAuditRequest* req,
                         pb::ListAuditResponse* out) override {
    if (auto s = authorize(*ctx, "ListAudit", role::operator_role, *req); !s.ok()) return s;
    if (req->limit() > 1000) {
      return {grpc::StatusCode::INVALID_ARGUMENT, "limit: at most 1000 (page with `after`)"};
    }
    auto entries = audit_.list(req->after(), req->limit() == 0 ? 100 : req->limit());
    if (!entries) return to_grpc(entries.error());
    for (const auto& e : *entries) {
      auto* pe = out->add_entries();
      pe->set_seq(e.seq);
      pe->set_at_ms(e.at_ms);
      pe->set_who(e.who);
      pe->set_role(e.role);
      pe->set_call(e.call);
      pe->set_args_digest(e.args_digest);
      pe->set_result(e.result);
      pe->set_state_before(e.state_before);
      pe->set_state_after(e.state_after);
      pe->set_chain(e.chain);
    }
    return grpc::Status::OK;
  }

  grpc::Status Verify(grpc::ServerContext* ctx, const pb::VerifyRequest* req,
                      pb::VerifyReport* out) override {
    name_filter topics, groups;
    return mutate<pb::VerifyRequest, pb::VerifyReport>(
        *ctx, "Verify", role::viewer, *req, out,
        [&]() -> grpc::Status {
          if (auto s = make_filters(req->topic_regex(), req->group_regex(), &topics, &groups);
              !s.ok()) {
            return s;
          }
          if (!known_link(req->link())) return unknown_link(req->link());
          if (req->sample_records() > (1ull << 40)) {
            return {grpc::StatusCode::INVALID_ARGUMENT,
                    "sample_records: at most 2^40 (0 compares every record)"};
          }
          return grpc::Status::OK;
        },
        [&](const caller& who, pb::VerifyReport* resp) -> grpc::Status {
          verify::selection sel;
          sel.topic_selected = [f = topics](const std::string& n) { return f.matches(n); };
          sel.group_selected = [f = groups](const std::string& n) { return f.matches(n); };
          sel.sample_records = static_cast<int64_t>(req->sample_records());
          sel.requested_by = who.name;
          sel.dry_run = req->dry_run();
          sel.schemas = !req->skip_schemas();
          auto r = control_.start_verify(req->link(), sel);
          if (!r) return to_grpc(r.error());
          fill_report(*r, true, resp);
          resp->set_dry_run(req->dry_run());
          return grpc::Status::OK;
        },
        [&] { return states_of(req->link(), topics, groups); });
  }

  grpc::Status Scan(grpc::ServerContext* ctx, const pb::ScanRequest* req,
                    pb::ScanReport* out) override {
    return mutate<pb::ScanRequest, pb::ScanReport>(
        *ctx, "Scan", role::viewer, *req, out,
        [&]() -> grpc::Status {
          if (!known_link(req->link())) return unknown_link(req->link());
          if (req->window_ms() != 0 && (req->window_ms() < 1000 || req->window_ms() > 600'000)) {
            return {grpc::StatusCode::INVALID_ARGUMENT,
                    "window_ms: 1000 to 600000 (0: 10000, ten seconds)"};
          }
          return grpc::Status::OK;
        },
        [&](const caller& who, pb::ScanReport* resp) -> grpc::Status {
          const int64_t window = req->window_ms() == 0 ? 10'000 : req->window_ms();
          if (req->dry_run()) {
            resp->set_link(req->link());
            resp->set_window_ms(window);
            resp->set_requested_by(who.name);
            resp->set_dry_run(true);
            return grpc::Status::OK;
          }
          auto r = control_.start_scan(req->link(), window, who.name);
          if (!r) return to_grpc(r.error());
          fill_scan(*r, true, resp);
          return grpc::Status::OK;
        },
        [&] { return std::string(); });
  }

  // Read-only like GetStatus, so not journaled; it reads both clusters with
  // the link's credentials, so one per link at a time (the link's runtime
  // refuses a second: ABORTED) and, for viewers and operators, within the
  // caller's budget of calls that act (as a Scan).
  grpc::Status Plan(grpc::ServerContext* ctx, const pb::PlanRequest* req,
                    pb::TopicPlan* out) override {
    caller who;
    if (auto s = authorize(*ctx, "Plan", role::viewer, *req, &who); !s.ok()) return s;
    if (who.granted < role::admin && !journal_.admit(who.name, true, "Plan")) {
      return over_budget(who);
    }
    auto topics = name_filter::make(req->topic_regex(), "topic_regex");
    if (!topics) return to_grpc(topics.error());
    if (!known_link(req->link())) return unknown_link(req->link());
    auto p = control_.plan_topics(req->link(), selected_by(*topics, req->topic_regex()),
                                  control::plan_use::show);
    if (!p) return to_grpc(p.error());
    fill_plan(p->plan, nullptr, out);
    return grpc::Status::OK;
  }

  // Role viewer, budgeted like Plan: it reads both clusters for a live plan.
  grpc::Status GetScorecard(grpc::ServerContext* ctx, const pb::GetScorecardRequest* req,
                            pb::Scorecard* out) override {
    caller who;
    if (auto s = authorize(*ctx, "GetScorecard", role::viewer, *req, &who); !s.ok()) return s;
    if (who.granted < role::admin && !journal_.admit(who.name, true, "GetScorecard")) {
      return over_budget(who);
    }
    if (!known_link(req->link())) return unknown_link(req->link());
    if (!req->rehearsal().empty() && !known_link(req->rehearsal())) {
      return unknown_link(req->rehearsal());
    }
    auto c = control_.scorecard(req->link(), req->rehearsal());
    if (!c) return to_grpc(c.error());
    fill_scorecard(*c, out);
    return grpc::Status::OK;
  }

  // Role admin. The clusters are read in prepare(), outside the lock that
  // keeps mutating calls one at a time; only the writes (at most 5 s, and a
  // request then running) hold it.
  grpc::Status Apply(grpc::ServerContext* ctx, const pb::ApplyRequest* req,
                     pb::TopicPlan* out) override {
    std::optional<plan::prepared_plan> prepared;
    return mutate<pb::ApplyRequest, pb::TopicPlan>(
        *ctx, "Apply", role::admin, *req, out,
        [&]() -> grpc::Status {
          auto topics = name_filter::make(req->topic_regex(), "topic_regex");
          if (!topics) return to_grpc(topics.error());
          if (!known_link(req->link())) return unknown_link(req->link());
          auto p = control_.plan_topics(req->link(), selected_by(*topics, req->topic_regex()),
                                        control::plan_use::apply);
          if (!p) return to_grpc(p.error());
          prepared = std::move(*p);
          return grpc::Status::OK;
        },
        [&](const caller&, pb::TopicPlan* resp) -> grpc::Status {
          auto r = control_.apply_plan(req->link(), *prepared, req->dry_run());
          if (!r) return to_grpc(r.error());
          fill_plan(prepared->plan, &*r, resp);
          resp->set_dry_run(req->dry_run());
          resp->set_done(r->done);
          resp->set_failed(r->failed);
          resp->set_not_reached(r->not_reached);
          audit_note_ = std::to_string(r->done) + " done, " + std::to_string(r->failed) +
                        " failed, " + std::to_string(r->not_reached) + " not reached";
          return grpc::Status::OK;
        },
        [&] { return prepared ? actions_of(prepared->plan) : std::string(); });
  }

  grpc::Status GetScan(grpc::ServerContext* ctx, const pb::GetScanRequest* req,
                       pb::ScanReport* out) override {
    if (auto s = authorize(*ctx, "GetScan", role::viewer, *req); !s.ok()) return s;
    if (!known_link(req->link())) return unknown_link(req->link());
    auto r = control_.scan_report(req->link(), req->id());
    if (!r) return to_grpc(r.error());
    fill_scan(*r, !req->summary(), out);
    return grpc::Status::OK;
  }

  grpc::Status ListScans(grpc::ServerContext* ctx, const pb::ListScansRequest* req,
                         pb::ListScansResponse* out) override {
    if (auto s = authorize(*ctx, "ListScans", role::viewer, *req); !s.ok()) return s;
    if (!known_link(req->link())) return unknown_link(req->link());
    if (req->limit() > 32) return {grpc::StatusCode::INVALID_ARGUMENT, "limit: at most 32"};
    auto reports = control_.scan_reports(req->link(), req->limit() == 0 ? 20 : req->limit());
    if (!reports) return to_grpc(reports.error());
    for (const auto& r : *reports) fill_scan(r, false, out->add_scans());
    return grpc::Status::OK;
  }

  grpc::Status PlanShards(grpc::ServerContext* ctx, const pb::PlanShardsRequest* req,
                          pb::ShardPlan* out) override {
    caller who;
    if (auto s = authorize(*ctx, "PlanShards", role::viewer, *req, &who); !s.ok()) return s;
    // Budgeted like Plan: a plan over a large scan is work (the re-plan's
    // balancing is quadratic in components).
    if (who.granted < role::admin && !journal_.admit(who.name, true, "PlanShards")) {
      return over_budget(who);
    }
    if (!known_link(req->link())) return unknown_link(req->link());
    // Checked before the cast: 2^32 - 1 must not become -1.
    if (req->shards() < 1 || req->shards() > static_cast<uint32_t>(scan::kMaxShards)) {
      return {grpc::StatusCode::INVALID_ARGUMENT, "shards: must be 1 to " +
                                                      std::to_string(scan::kMaxShards) + ", not " +
                                                      std::to_string(req->shards())};
    }
    uint64_t id = req->scan_id();
    if (id == 0) {  // the newest finished scan (a newer one may run, or have failed)
      auto listed = control_.scan_reports(req->link(), 32);
      if (!listed) return to_grpc(listed.error());
      for (auto it = listed->rbegin(); it != listed->rend() && id == 0; ++it) {
        if (it->result == scan::outcome::done) id = it->id;
      }
      if (id == 0) {
        return {grpc::StatusCode::FAILED_PRECONDITION,
                "link " + req->link() + " has no finished scan: run straitctl scan " + req->link() +
                    " first"};
      }
    }
    auto r = control_.scan_report(req->link(), id);
    if (!r) return to_grpc(r.error());
    if (r->result != scan::outcome::done) {
      return {grpc::StatusCode::FAILED_PRECONDITION,
              "scan " + std::to_string(r->id) + " of link " + req->link() + " is " +
                  scan::to_string(r->result) +
                  (r->error.empty() ? std::string() : " (" + printable(r->error) + ")") +
                  ", not DONE: plan from a finished one (straitctl scans " + req->link() +
                  " lists them; --scan ID)"};
    }
    auto components = scan::components_of(*r);
    std::optional<scan::placement> kept;
    if (req->keep()) {
      auto held = control_.shards(req->link());
      if (!held) return to_grpc(held.error());
      const config::shard_assignment* now = held->stored.assignment.get();
      if (now == nullptr) {
        return {
            grpc::StatusCode::FAILED_PRECONDITION,
            "keep: this straitd stores no assignment of link " + req->link() + " to keep" +
                (held->stored.problem.empty() ? std::string() : " (" + held->stored.problem + ")") +
                ": ask one that does (straitctl shards --server A,B,...), or plan "
                "without --keep"};
      }
      // Where each name is now: its component's shard, or its hash owner
      // (owner_under always answers for a stored assignment); and which
      // stored component holds it.
      kept.emplace();
      for (size_t i = 0; i < now->components.size(); ++i) {
        for (const auto& t : now->components[i].topics)
          kept->topic_component[t] = static_cast<int>(i);
        for (const auto& g : now->components[i].groups)
          kept->group_component[g] = static_cast<int>(i);
      }
      using kind = config::shard_share::kind;
      for (const auto& c : components) {
        for (const auto& [names, k, out] : {std::tuple{&c.topics, kind::topic, &kept->topics},
                                            std::tuple{&c.groups, kind::group, &kept->groups}}) {
          for (const auto& n : *names) {
            (*out)[n] = static_cast<int>(config::owner_under(now, k, n, now->shards).value_or(0));
          }
        }
      }
    }
    auto plan = scan::plan_shards(std::move(components), static_cast<int>(req->shards()),
                                  kept ? &*kept : nullptr);
    if (!plan) return to_grpc(plan.error());
    out->set_link(req->link());
    out->set_scan_id(r->id);
    out->set_shards(static_cast<uint32_t>(plan->shards));
    for (size_t i = 0; i < plan->components.size(); ++i) {
      const auto& c = plan->components[i];
      auto* pc = out->add_components();
      for (const auto& t : c.topics) pc->add_topics(t);
      for (const auto& g : c.groups) pc->add_groups(g);
      pc->set_bytes(c.bytes);
      pc->set_bytes_estimated(c.bytes_estimated);
      pc->set_shard(static_cast<uint32_t>(plan->shard_of[i]));
    }
    for (int64_t b : plan->bytes_per_shard) out->add_bytes_per_shard(b);
    return grpc::Status::OK;
  }

  grpc::Status GetShards(grpc::ServerContext* ctx, const pb::GetShardsRequest* req,
                         pb::ShardAssignment* out) override {
    if (auto s = authorize(*ctx, "GetShards", role::viewer, *req); !s.ok()) return s;
    auto r = control_.shards(req->link());
    if (!r) return to_grpc(r.error());
    fill_shards(req->link(), *r, out);
    return grpc::Status::OK;
  }

  // A component's names as a request gives them (ComponentRequest,
  // ForgetComponentRequest), within config::shard_assignment's bounds.
  template <typename Request>
  static grpc::Status component_of(const Request& req, config::component_names& out) {
    using bounds = config::shard_assignment;
    if (static_cast<size_t>(req.topics_size() + req.groups_size()) > bounds::kMaxNames) {
      return {grpc::StatusCode::INVALID_ARGUMENT,
              "topics, groups: at most " + std::to_string(bounds::kMaxNames) + " names"};
    }
    for (const auto& [field, names, limit, set] :
         {std::tuple{"topics", &req.topics(), bounds::kMaxTopicBytes, &out.topics},
          std::tuple{"groups", &req.groups(), bounds::kMaxGroupBytes, &out.groups}}) {
      for (const auto& n : *names) {
        if (n.empty() || n.size() > limit) {
          return {grpc::StatusCode::INVALID_ARGUMENT,
                  std::string(field) + ": a name must be 1 to " + std::to_string(limit) +
                      " bytes, not " + std::to_string(n.size())};
        }
        set->insert(n);
      }
    }
    if (out.topics.empty() && out.groups.empty()) {
      return {grpc::StatusCode::INVALID_ARGUMENT,
              "topics, groups: name the component's topics and groups (straitctl shards lists "
              "them)"};
    }
    return grpc::Status::OK;
  }
  // What a component move's journal entry says of the link's shards.
  std::string shards_state(const std::string& link) const {
    auto r = control_.shards(link);
    if (!r) return "shards: unavailable";
    return "shards: " + (r->stored.assignment ? r->stored.assignment->digest : "none") +
           ", released " + std::to_string(r->stored.released_topics.size()) + " topics and " +
           std::to_string(r->stored.released_groups.size()) + " groups, received " +
           std::to_string(r->stored.received_topics.size()) + " topics and " +
           std::to_string(r->stored.received_groups.size()) + " groups";
  }

  grpc::Status ReleaseComponent(grpc::ServerContext* ctx, const pb::ComponentRequest* req,
                                pb::ShardAssignment* out) override {
    config::component_names names;
    return mutate<pb::ComponentRequest, pb::ShardAssignment>(
        *ctx, "ReleaseComponent", role::admin, *req, out,
        [&]() -> grpc::Status {
          if (!known_link(req->link())) return unknown_link(req->link());
          return component_of(*req, names);
        },
        [&](const caller&, pb::ShardAssignment* resp) -> grpc::Status {
          auto r = control_.release_component(req->link(), names, req->cancel(), req->dry_run());
          if (!r) return to_grpc(r.error());
          fill_shards(req->link(), *r, resp);
          return grpc::Status::OK;
        },
        [&] { return shards_state(req->link()); });
  }

  // Read-only, but what it answers is the component's whole state: role
  // admin, and journaled like a call that acts: its authorization refusals
  // (authorize), its other refusals within the caller's budget, and every
  // export handed out, which is answered only once its entry is written
  // (fail closed).
  grpc::Status ExportComponent(grpc::ServerContext* ctx, const pb::ComponentRequest* req,
                               pb::ComponentExport* out) override {
    caller who;
    if (auto s = authorize(*ctx, "ExportComponent", role::admin, *req, &who); !s.ok()) return s;
    const grpc::Status result = export_component(*req, out);
    audit_record rec = entry_of(who, "ExportComponent", digest_of(*req));
    if (!result.ok()) {
      rec.result = result_text(result);
      (void)journal_.record_within_budget(rec.who, true, rec);
      return result;
    }
    rec.result = "ok (" + std::to_string(out->record_count()) + " records of " +
                 std::to_string(out->topics()) + " topics and " + std::to_string(out->groups()) +
                 " groups, digest " + out->digest() + ")";
    rec.state_before = rec.state_after = shards_state(req->link());
    if (!journal_.record(rec)) {
      out->Clear();
      return journal_unavailable();
    }
    return result;
  }

  // ExportComponent's work, once the caller is authorized.
  grpc::Status export_component(const pb::ComponentRequest& req, pb::ComponentExport* out) {
    if (!known_link(req.link())) return unknown_link(req.link());
    config::component_names names;
    if (auto s = component_of(req, names); !s.ok()) return s;
    auto r = control_.export_component(req.link(), names);
    if (!r) return to_grpc(r.error());
    if (r->records.size() > kMaxComponentExport) {
      return {grpc::StatusCode::RESOURCE_EXHAUSTED,
              "the export of these names is " + std::to_string(r->records.size()) +
                  " bytes, over the " + std::to_string(kMaxComponentExport) +
                  " an import takes: a component that large cannot move yet (ADR 0030)"};
    }
    out->set_link(req.link());
    out->set_records(std::move(r->records));
    out->set_digest(r->digest);
    out->set_topics(static_cast<uint32_t>(r->topics));
    out->set_groups(static_cast<uint32_t>(r->groups));
    out->set_partitions(static_cast<uint32_t>(r->partitions));
    out->set_record_count(r->record_count);
    return grpc::Status::OK;
  }

  // Client streaming: the caller is authorized before a chunk is read, and
  // the chunks are bounded in sum (kMaxComponentExport), so nobody makes
  // straitd hold more than that; then the whole is a mutating call like any.
  grpc::Status ImportComponent(grpc::ServerContext* ctx,
                               grpc::ServerReader<pb::ImportComponentChunk>* reader,
                               pb::ComponentImport* out) override {
    pb::ImportComponentChunk whole;
    if (auto s = authorize(*ctx, "ImportComponent", role::admin, whole); !s.ok()) return s;
    // One import received at a time: one export's bytes held (in a few
    // copies: the request, mutate's key-less copy, the decoded records);
    // the refusal is journaled like any (below).
    struct receiving {
      std::atomic<bool>& flag;
      bool alone = !flag.exchange(true);
      ~receiving() {
        if (alone) flag = false;
      }
    } receiving{importing_};
    grpc::Status read_error;
    if (!receiving.alone) {
      read_error = {grpc::StatusCode::UNAVAILABLE,
                    "another ImportComponent is being received; try again when it is done"};
    }
    pb::ImportComponentChunk chunk;
    bool first = true;
    while (read_error.ok() && reader->Read(&chunk)) {
      if (first) {
        whole.set_link(chunk.link());
        whole.set_request_id(chunk.request_id());
        whole.set_dry_run(chunk.dry_run());
        first = false;
      } else if (!chunk.link().empty() || !chunk.request_id().empty() || chunk.dry_run()) {
        read_error = {grpc::StatusCode::INVALID_ARGUMENT,
                      "link, request_id, dry_run: only in the first chunk"};
      }
      if (whole.records().size() + chunk.records().size() > kMaxComponentExport) {
        read_error = {grpc::StatusCode::RESOURCE_EXHAUSTED,
                      "records: more than " + std::to_string(kMaxComponentExport) +
                          " bytes, more than an export holds"};
      }
      if (read_error.ok()) whole.mutable_records()->append(chunk.records());
    }
    return mutate<pb::ImportComponentChunk, pb::ComponentImport>(
        *ctx, "ImportComponent", role::admin, whole, out,
        [&]() -> grpc::Status {
          if (!read_error.ok()) return read_error;
          if (!known_link(whole.link())) return unknown_link(whole.link());
          if (whole.records().empty()) {
            return {grpc::StatusCode::INVALID_ARGUMENT,
                    "records: empty; send what ExportComponent answered"};
          }
          return grpc::Status::OK;
        },
        [&](const caller&, pb::ComponentImport* resp) -> grpc::Status {
          auto r = control_.import_component(whole.link(), whole.records(), whole.dry_run());
          if (!r) return to_grpc(r.error());
          resp->set_link(whole.link());
          resp->set_digest(*r);
          resp->set_dry_run(whole.dry_run());
          return grpc::Status::OK;
        },
        [&] { return shards_state(whole.link()); });
  }

  grpc::Status ForgetComponent(grpc::ServerContext* ctx, const pb::ForgetComponentRequest* req,
                               pb::ComponentForget* out) override {
    config::component_names names;
    return mutate<pb::ForgetComponentRequest, pb::ComponentForget>(
        *ctx, "ForgetComponent", role::admin, *req, out,
        [&]() -> grpc::Status {
          if (!known_link(req->link())) return unknown_link(req->link());
          if (req->digest().empty() || req->digest().size() > 64) {
            return {grpc::StatusCode::INVALID_ARGUMENT,
                    "digest: as ImportComponent answered it (64 hex digits)"};
          }
          return component_of(*req, names);
        },
        [&](const caller&, pb::ComponentForget* resp) -> grpc::Status {
          auto r = control_.forget_component(req->link(), names, req->digest(), req->dry_run());
          if (!r) return to_grpc(r.error());
          resp->set_link(req->link());
          resp->set_records(*r);
          resp->set_dry_run(req->dry_run());
          return grpc::Status::OK;
        },
        [&] { return shards_state(req->link()); });
  }

  grpc::Status ApplyShards(grpc::ServerContext* ctx, const pb::ApplyShardsRequest* req,
                           pb::ShardAssignment* out) override {
    std::optional<config::shard_assignment> checked;
    config::component_names moving;
    return mutate<pb::ApplyShardsRequest, pb::ShardAssignment>(
        *ctx, "ApplyShards", role::admin, *req, out,
        [&]() -> grpc::Status {
          if (!known_link(req->link())) return unknown_link(req->link());
          if (req->plan().link() != req->link()) {
            return {grpc::StatusCode::INVALID_ARGUMENT,
                    "plan.link: the plan is of link '" + printable(req->plan().link(), 256) +
                        "', not " + req->link() + ": apply a plan of this link"};
          }
          auto info = control_.shards(req->link());
          if (!info) return to_grpc(info.error());
          std::vector<config::shard_component> components;
          for (const auto& pc : req->plan().components()) {
            components.push_back({{pc.topics().begin(), pc.topics().end()},
                                  {pc.groups().begin(), pc.groups().end()},
                                  pc.shard(),
                                  pc.bytes()});
          }
          auto a = config::shard_assignment::make(req->plan().shards(), req->plan().scan_id(),
                                                  std::move(components), info->self.count);
          if (!a) {
            return {grpc::StatusCode::INVALID_ARGUMENT, "plan." + a.error().message};
          }
          checked = std::move(*a);
          if (req->moving().topics_size() + req->moving().groups_size() > 0) {
            if (!req->dry_run()) {
              return {grpc::StatusCode::INVALID_ARGUMENT,
                      "moving: only in a dry run; a store counts what this straitd received in "
                      "imports (ImportComponent)"};
            }
            if (auto s = component_of(req->moving(), moving); !s.ok()) {
              return {s.error_code(), "moving." + s.error_message()};
            }
          }
          return grpc::Status::OK;
        },
        [&](const caller&, pb::ShardAssignment* resp) -> grpc::Status {
          if (!checked) return {grpc::StatusCode::INTERNAL, "the plan was not checked"};
          auto r = control_.apply_shards(req->link(), std::move(*checked), req->replaces(),
                                         req->dry_run(), moving);
          if (!r) return to_grpc(r.error());
          fill_shards(req->link(), *r, resp);
          return grpc::Status::OK;
        },
        [&]() -> std::string {
          auto r = control_.shards(req->link());
          const int moving = req->moving().topics_size() + req->moving().groups_size();
          const std::string moved =
              moving > 0 ? ", " + std::to_string(moving) + " names moving" : std::string();
          if (!r || !r->stored.assignment) return "shards: none" + moved;
          return "shards: " + r->stored.assignment->digest +
                 (r->stored.in_force() ? "" : " (not in force)") + moved;
        });
  }

  grpc::Status CutoverTopics(grpc::ServerContext* ctx, const pb::MoveRequest* req,
                             pb::MoveResponse* out) override {
    return move_call(*ctx, "CutoverTopics", move_kind::cutover_topics, *req, out);
  }
  grpc::Status RollbackTopics(grpc::ServerContext* ctx, const pb::MoveRequest* req,
                              pb::MoveResponse* out) override {
    return move_call(*ctx, "RollbackTopics", move_kind::rollback_topics, *req, out);
  }
  grpc::Status FinalizeTopics(grpc::ServerContext* ctx, const pb::MoveRequest* req,
                              pb::MoveResponse* out) override {
    return move_call(*ctx, "FinalizeTopics", move_kind::finalize_topics, *req, out);
  }
  grpc::Status CutoverGroups(grpc::ServerContext* ctx, const pb::MoveRequest* req,
                             pb::MoveResponse* out) override {
    return move_call(*ctx, "CutoverGroups", move_kind::cutover_groups, *req, out);
  }
  grpc::Status RollbackGroups(grpc::ServerContext* ctx, const pb::MoveRequest* req,
                              pb::MoveResponse* out) override {
    return move_call(*ctx, "RollbackGroups", move_kind::rollback_groups, *req, out);
  }
  grpc::Status FinalizeGroups(grpc::ServerContext* ctx, const pb::MoveRequest* req,
                              pb::MoveResponse* out) override {
    return move_call(*ctx, "FinalizeGroups", move_kind::finalize_groups, *req, out);
  }

  grpc::Status Acknowledge(grpc::ServerContext* ctx, const pb::AcknowledgeRequest* req,
                           pb::AcknowledgeResponse* out) override {
    // retry changes no data; the others accept a loss or someone else's
    // records, so they need an admin.
    const role needed = req->resolution() == "retry" ? role::operator_role : role::admin;
    const partition_key key{req->link(), req->topic(), partition_id(req->partition())};
    auto state = [&] {
      auto view = state_.link_state(req->link());
      if (!view) return std::string();
      for (const auto& t : view->topics) {
        if (t.topic != req->topic()) continue;
        for (const auto& p : t.partitions) {
          if (p.partition == req->partition()) {
            return key.to_string() + "=" +
                   (p.stopped == store::stop_reason::none ? "mirroring"
                                                          : store::to_string(p.stopped));
          }
        }
      }
      return key.to_string() + "=unknown";
    };
    return mutate<pb::AcknowledgeRequest, pb::AcknowledgeResponse>(
        *ctx, "Acknowledge", needed, *req, out,
        [&]() -> grpc::Status {
          if (!known_link(req->link())) return unknown_link(req->link());
          if (req->topic().empty() || req->partition() < 0) {
            return {grpc::StatusCode::INVALID_ARGUMENT,
                    "topic and partition: required (the stopped partition, e.g. orders 3)"};
          }
          return grpc::Status::OK;
        },
        [&](const caller&, pb::AcknowledgeResponse* resp) -> grpc::Status {
          auto a = control_.acknowledge(key, req->resolution(), req->dry_run());
          if (!a) return to_grpc(a.error());
          resp->set_was_stopped(store::to_string(a->was_stopped));
          resp->set_was_stopped_reason(to_proto(a->was_stopped));
          resp->set_stop_detail(a->stop_detail);
          resp->set_resolution(req->resolution());
          return grpc::Status::OK;
        },
        state);
  }

  grpc::Status GetVerifyReport(grpc::ServerContext* ctx, const pb::GetVerifyReportRequest* req,
                               pb::VerifyReport* out) override {
    if (auto s = authorize(*ctx, "GetVerifyReport", role::viewer, *req); !s.ok()) return s;
    if (!known_link(req->link())) return unknown_link(req->link());
    auto r = control_.verify_report(req->link(), req->id());
    if (!r) return to_grpc(r.error());
    fill_report(*r, true, out);
    return grpc::Status::OK;
  }

  grpc::Status ListVerifyReports(grpc::ServerContext* ctx, const pb::ListVerifyReportsRequest* req,
                                 pb::ListVerifyReportsResponse* out) override {
    if (auto s = authorize(*ctx, "ListVerifyReports", role::viewer, *req); !s.ok()) return s;
    if (!known_link(req->link())) return unknown_link(req->link());
    if (req->limit() > 1000) {
      return {grpc::StatusCode::INVALID_ARGUMENT, "limit: at most 1000"};
    }
    auto reports = control_.verify_reports(req->link(), req->limit() == 0 ? 20 : req->limit());
    if (!reports) return to_grpc(reports.error());
    for (const auto& r : *reports) fill_report(r, false, out->add_reports());
    return grpc::Status::OK;
  }

  grpc::Status WatchStatus(grpc::ServerContext* ctx, const pb::WatchStatusRequest* req,
                           grpc::ServerWriter<pb::LinkStatus>* writer) override {
    if (auto s = authorize(*ctx, "WatchStatus", role::viewer, *req); !s.ok()) return s;
    uint32_t interval_ms = req->interval_ms() == 0 ? 1000 : req->interval_ms();
    if (interval_ms < 200) {
      return {grpc::StatusCode::INVALID_ARGUMENT, "interval_ms: must be 0 (1000) or at least 200"};
    }
    name_filter topics, groups;  // compiled once for the whole stream
    if (auto s = make_filters(req->status().topic_regex(), req->status().group_regex(), &topics,
                              &groups);
        !s.ok()) {
      return s;
    }
    watch_slot slot(watchers_);
    if (!slot.held()) return slot.refusal("GetStatus");
    return watch_loop(
        ctx, std::chrono::milliseconds(interval_ms), [&]() -> std::optional<grpc::Status> {
          pb::LinkStatus st;
          if (grpc::Status s = fill_status(req->status().link(), topics, groups, &st); !s.ok()) {
            return s;
          }
          if (!writer->Write(st)) return grpc::Status::OK;  // the client went away
          return std::nullopt;
        });
  }

  grpc::Status GetOperation(grpc::ServerContext* ctx, const pb::GetOperationRequest* req,
                            pb::Operation* out) override {
    if (auto s = authorize(*ctx, "GetOperation", role::viewer, *req); !s.ok()) return s;
    if (!known_link(req->link())) return unknown_link(req->link());
    auto op = control_.operation(req->link(), req->id());
    if (!op) return to_grpc(op.error());
    fill_operation(req->link(), *op, out);
    return grpc::Status::OK;
  }

  grpc::Status ListOperations(grpc::ServerContext* ctx, const pb::ListOperationsRequest* req,
                              pb::ListOperationsResponse* out) override {
    if (auto s = authorize(*ctx, "ListOperations", role::viewer, *req); !s.ok()) return s;
    if (req->ids_size() > kMaxIds) {
      return {grpc::StatusCode::INVALID_ARGUMENT,
              "ids: at most " + std::to_string(kMaxIds) + " in one call; split the list"};
    }
    if (!known_link(req->link())) return unknown_link(req->link());
    auto ops = control_.operations(req->link());
    if (!ops) return to_grpc(ops.error());
    const std::set<uint64_t> wanted(req->ids().begin(), req->ids().end());
    for (const auto& op : *ops) {
      if (out->operations_size() == kMaxIds) break;  // with no ids: the first 10,000
      if (wanted.empty() || wanted.contains(op.id)) {
        fill_operation(req->link(), op, out->add_operations());
      }
    }
    return grpc::Status::OK;
  }

  grpc::Status WatchOperation(grpc::ServerContext* ctx, const pb::WatchOperationRequest* req,
                              grpc::ServerWriter<pb::Operation>* writer) override {
    if (auto s = authorize(*ctx, "WatchOperation", role::viewer, *req); !s.ok()) return s;
    const uint32_t interval_ms = req->interval_ms() == 0 ? 250 : req->interval_ms();
    if (interval_ms < 100) {
      return {grpc::StatusCode::INVALID_ARGUMENT, "interval_ms: must be 0 (250) or at least 100"};
    }
    const auto& link = req->operation().link();
    if (!known_link(link)) return unknown_link(link);
    watch_slot slot(watchers_);
    if (!slot.held()) return slot.refusal("GetOperation");
    std::string last;  // the last operation written, serialized
    return watch_loop(ctx, std::chrono::milliseconds(interval_ms),
                      [&]() -> std::optional<grpc::Status> {
                        auto op = control_.operation(link, req->operation().id());
                        if (!op) return to_grpc(op.error());
                        pb::Operation now;
                        fill_operation(link, *op, &now);
                        if (std::string bytes = now.SerializeAsString(); bytes != last) {
                          if (!writer->Write(now)) return grpc::Status::OK;  // the client went away
                          last = std::move(bytes);
                        }
                        if (op->phase == migration::op_phase::done ||
                            op->phase == migration::op_phase::cancelled) {
                          return grpc::Status::OK;
                        }
                        return std::nullopt;
                      });
  }

 private:
  // The loop of a watch stream: `tick` sends what there is to send and
  // returns the status to end the stream with, or nullopt to go on; between
  // ticks it waits `interval`, cut short by the server's stop. A cancelled
  // call ends it.
  grpc::Status watch_loop(grpc::ServerContext* ctx, std::chrono::milliseconds interval,
                          const std::function<std::optional<grpc::Status>()>& tick) {
    while (!ctx->IsCancelled()) {
      if (auto end = tick()) return *end;
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, interval, [this] { return stopping_; })) {
        return {grpc::StatusCode::UNAVAILABLE, "straitd is shutting down"};
      }
    }
    return grpc::Status::CANCELLED;
  }

  // One of the kMaxWatchers streams (WatchStatus, WatchOperation): each
  // holds one of gRPC's threads for as long as it lasts. Released when it
  // goes out of scope.
  class watch_slot {
   public:
    explicit watch_slot(std::atomic<int>& open)
        : open_(open), held_(open.fetch_add(1) < kMaxWatchers) {}
    ~watch_slot() { open_.fetch_sub(1); }
    watch_slot(const watch_slot&) = delete;
    watch_slot& operator=(const watch_slot&) = delete;
    [[nodiscard]] bool held() const { return held_; }
    [[nodiscard]] static grpc::Status refusal(const char* poll_instead) {
      return {grpc::StatusCode::RESOURCE_EXHAUSTED,
              "already " + std::to_string(kMaxWatchers) +
                  " WatchStatus and WatchOperation streams open; close one, or poll " +
                  poll_instead};
    }

   private:
    std::atomic<int>& open_;
    bool held_;
  };

  // ListOperations: ids asked for in one call, operations answered.
  static constexpr int kMaxIds = 10000;
  // An operation's `detail` (names from Kafka, a cluster's error) is cut
  // there: 10,000 operations stay well under a client's 4 MB.
  static constexpr size_t kMaxDetailBytes = 1024;

  static void fill_operation(const std::string& link, const migration::operation_status& op,
                             pb::Operation* out) {
    out->set_id(op.id);
    out->set_link(link);
    out->set_on_group(op.on_group);
    out->set_name(op.name);
    out->set_kind(op.options.kind == migration::op_kind::cutover ? pb::OPERATION_KIND_CUTOVER
                                                                 : pb::OPERATION_KIND_ROLLBACK);
    out->set_phase(to_proto(op.phase));
    out->set_stuck_reason(to_proto(op.stuck));
    out->set_detail(single_line(op.detail, kMaxDetailBytes));
    out->set_quiet_window_ms(static_cast<uint32_t>(op.options.quiet_window.count()));
    out->set_force(op.options.force);
    out->set_started_at_ms(op.started_at_ms);
    out->set_finished_at_ms(op.finished_at_ms);
    out->set_requested_by(single_line(op.requested_by, kMaxDetailBytes));
    out->set_quiet_wait_ms(op.quiet_wait_ms);
    out->set_resumed(op.resumed);
    out->set_acl_grants(op.acl_grants);
    out->set_acl_fences(op.acl_fences);
  }

  // OK when the caller may make `call`, which needs at least `needed`.
  // A refusal (no or bad credentials) or denial (role too low) is logged and
  // recorded in the audit journal with a digest of the request.
  grpc::Status authorize(const grpc::ServerContext& ctx, const char* call, role needed,
                         const google::protobuf::Message& request, caller* granted = nullptr) {
    auto who = auth_.identify(ctx);
    grpc::Status refused;
    audit_record rec;
    std::string budget_key;
    bool authenticated = true;
    if (auto* s = std::get_if<grpc::Status>(&who)) {
      refused = *s;
      rec.who = "unauthenticated";
      // Unauthenticated callers are told apart by network (journal_budget):
      // up to 16 networks at once each have a budget of their own.
      const std::string peer = ctx.peer();
      budget_key = unauthenticated_key(peer);
      authenticated = false;
      rec.result = " (peer " + peer + ")";
    } else {
      const caller& c = std::get<caller>(who);
      if (c.granted >= needed) {
        if (granted != nullptr) *granted = c;
        return grpc::Status::OK;
      }
      refused = {grpc::StatusCode::PERMISSION_DENIED, std::string(call) + " needs the role " +
                                                          to_string(needed) + "; " + c.name +
                                                          " has " + to_string(c.granted)};
      rec.who = c.name;
      rec.role = to_string(c.granted);
      budget_key = c.name;
    }
    rec.call = call;
    rec.args_digest = digest_of(request);
    rec.result = code_name(refused.error_code()) + ": " + refused.error_message() + rec.result;
    if (journal_.record_within_budget(budget_key, authenticated, rec) !=
        budgeted_journal::outcome::over_budget) {
      spdlog::warn("api: {} refused to {}: {}", call, rec.who, refused.error_message());
    }  // else counted, and recorded in the caller's summary entry
    return refused;
  }

  // The journal entry of `who`'s `call`, with the digest of its arguments;
  // its result and states are the caller's to fill.
  static audit_record entry_of(const caller& who, std::string call, std::string args_digest) {
    audit_record rec;
    rec.who = who.name;
    rec.role = to_string(who.granted);
    rec.call = std::move(call);
    rec.args_digest = std::move(args_digest);
    return rec;
  }

  // A journal entry's result: "ok", or the code's name and the message.
  static std::string result_text(const grpc::Status& s) {
    return s.ok() ? "ok" : code_name(s.error_code()) + ": " + s.error_message();
  }

  static std::string code_name(grpc::StatusCode c) {
    switch (c) {
      case grpc::StatusCode::UNAUTHENTICATED:
        return "UNAUTHENTICATED";
      case grpc::StatusCode::PERMISSION_DENIED:
        return "PERMISSION_DENIED";
      case grpc::StatusCode::INVALID_ARGUMENT:
        return "INVALID_ARGUMENT";
      case grpc::StatusCode::NOT_FOUND:
        return "NOT_FOUND";
      case grpc::StatusCode::FAILED_PRECONDITION:
        return "FAILED_PRECONDITION";
      case grpc::StatusCode::ALREADY_EXISTS:
        return "ALREADY_EXISTS";
      case grpc::StatusCode::UNAVAILABLE:
        return "UNAVAILABLE";
      case grpc::StatusCode::INTERNAL:
        return "INTERNAL";
      case grpc::StatusCode::RESOURCE_EXHAUSTED:
        return "RESOURCE_EXHAUSTED";
      default:
        return "code " + std::to_string(static_cast<int>(c));
    }
  }

  // A mutating call (docs/api.md#mutating-calls): authorized by role; one at
  // a time; idempotent by request id,
  // per caller (the same id and arguments return the first response without
  // acting again; other arguments or another call under the same id fail
  // with ALREADY_EXISTS); recorded in the audit journal with the caller, a
  // digest of the arguments, the result and the state of the link's affected
  // objects before and after. A call that will change something is
  // journaled as "started" first and not carried out when that entry cannot
  // be written (fail closed); one refused before acting is journaled within
  // the caller's budget (journal_budget), like a refusal by authorize().
  //   prepare() checks and compiles the arguments (regexes, the link), only
  //   once the caller is authorized, outside the one-at-a-time lock, and not
  //   for a request id answered before (Apply also reads the clusters here);
  //   act(caller, out) does the work; state() describes the affected state.
  //   An exception from any of them is an INTERNAL result, journaled.
  template <typename Request, typename Response>
  grpc::Status mutate(const grpc::ServerContext& ctx, const char* call, role needed,
                      const Request& req, Response* out,
                      const std::function<grpc::Status()>& prepare,
                      const std::function<grpc::Status(const caller&, Response*)>& act,
                      const std::function<std::string()>& state) {
    caller who;
    if (auto s = authorize(ctx, call, needed, req, &who); !s.ok()) return s;
    // A request id answered before is replayed (or refused) below without
    // preparing again: a prepare may read Kafka (Apply), which a retry must
    // not need.
    // Nor for one too long, refused below before anything is done.
    const bool id_too_long = req.request_id().size() > 128;
    bool answered = false;
    if (!req.request_id().empty() && !id_too_long) {
      auto found = audit_.recall(who.name + "\n" + req.request_id());
      answered = found && found->has_value();
    }
    const grpc::Status prepared = guarded(
        [&] { return prepare && !answered && !id_too_long ? prepare() : grpc::Status::OK; });
    std::lock_guard lock(mutate_mu_);
    Request keyless = req;
    keyless.clear_request_id();
    const std::string digest = digest_of(keyless);
    // Request ids are the caller's own: another caller's id neither blocks
    // nor answers this call.
    const std::string request_key = who.name + "\n" + req.request_id();
    audit_record rec =
        entry_of(who, std::string(call) + (req.dry_run() ? " (dry run)" : ""), digest);
    auto describe = [&] {
      std::string text;
      return guarded([&] {
               text = state();
               return grpc::Status::OK;
             }).ok()
                 ? text
                 : std::string("(state unavailable)");
    };
    grpc::Status result;
    bool acted = false;     // act() ran for real, after its "started" entry
    bool budgeted = false;  // this call already counts against the caller's budget
    std::optional<request_record> prior;
    if (id_too_long) {
      result = {grpc::StatusCode::INVALID_ARGUMENT,
                "request_id: at most 128 characters (e.g. a UUID)"};
    } else if (!prepared.ok()) {
      result = prepared;
    } else if (!req.request_id().empty()) {
      auto found = audit_.recall(request_key);
      if (!found) return to_grpc(found.error());
      prior = std::move(*found);
    }
    if (!result.ok()) {
      // refused before acting
    } else if (prior && (prior->call != call || prior->args_digest != digest)) {
      result = {grpc::StatusCode::ALREADY_EXISTS,
                "request_id " + req.request_id() + " was used for " +
                    (prior->call != call ? "another call (" + prior->call + ")"
                                         : std::string("other arguments")) +
                    "; use a new request id for a new request"};
    } else if (prior) {
      // The same request again (a retry): its first response, nothing redone.
      if (!out->ParseFromString(prior->response)) {
        return {grpc::StatusCode::INTERNAL,
                "the stored response of request_id " + req.request_id() + " is damaged"};
      }
      rec.state_before = rec.state_after = describe();
      rec.result = "ok (repeated request_id " + req.request_id() + ": first response returned)";
      // A replay acts on nothing: within the budget.
      if (journal_.record_within_budget(rec.who, true, rec) == budgeted_journal::outcome::failed) {
        return journal_unavailable();
      }
      return grpc::Status::OK;
    } else {
      rec.state_before = describe();
      if (who.granted < role::admin) {
        // Calls of viewers and operators that act (a Verify, a Stage) are
        // within the caller's budget too; an admin's never are.
        if (!journal_.admit(rec.who, true, rec.call)) return over_budget(who);
        budgeted = true;
      }
      if (!req.dry_run()) {
        audit_record started = rec;
        started.result = "started";
        if (!journal_.record(started)) return journal_unavailable();
      }
      audit_note_.clear();
      result = guarded([&] { return act(who, out); });
      acted = !req.dry_run();
      rec.state_after = describe();
    }
    rec.result = result_text(result);
    if (result.ok() && !audit_note_.empty()) rec.result += " (" + audit_note_ + ")";
    if (!acted && !result.ok()) {
      // Refused before acting: within the caller's journal budget.
      if (budgeted) {
        (void)journal_.record(rec);
      } else {
        (void)journal_.record_within_budget(rec.who, true, rec);
      }
      return result;
    }
    // (An acted call whose outcome entry fails has its "started" entry.)
    if (!journal_.record(rec) && !acted) return journal_unavailable();
    if (result.ok() && !req.request_id().empty() && !req.dry_run()) {
      if (auto s = audit_.remember(request_key,
                                   {call, digest, out->SerializeAsString(), wall_clock_ms()});
          !s) {
        spdlog::error("api: cannot store request_id {}: {}", req.request_id(), s.error().message);
      }
    }
    return result;
  }

  // The answer to a viewer's or operator's call that acts past its budget.
  static grpc::Status over_budget(const caller& who) {
    return {grpc::StatusCode::RESOURCE_EXHAUSTED,
            who.name + " made more than " + std::to_string(kJournalBudget) +
                " recorded calls in the last minute; try again in a minute"};
  }

  // The answer when the journal cannot be written before anything is done.
  static grpc::Status journal_unavailable() {
    return {grpc::StatusCode::UNAVAILABLE,
            "the audit journal cannot be written (see straitd's log); nothing was done"};
  }

  // fn(), with an exception turned into an INTERNAL status.
  template <typename Fn>
  static grpc::Status guarded(Fn&& fn) {
    try {
      return fn();
    } catch (const std::exception& e) {
      return {grpc::StatusCode::INTERNAL,
              std::string("straitd failed while handling the call: ") + e.what()};
    } catch (...) {
      return {grpc::StatusCode::INTERNAL, "straitd failed while handling the call"};
    }
  }

  // The six moves: role admin, through mutate().
  grpc::Status move_call(const grpc::ServerContext& ctx, const char* call, move_kind kind,
                         const pb::MoveRequest& req, pb::MoveResponse* out) {
    const bool groups = kind == move_kind::cutover_groups || kind == move_kind::rollback_groups ||
                        kind == move_kind::finalize_groups;
    name_filter filter;
    const name_filter none = name_filter::nothing();
    return mutate<pb::MoveRequest, pb::MoveResponse>(
        ctx, call, role::admin, req, out,
        [&]() -> grpc::Status {
          if (req.regex().empty()) {
            return {grpc::StatusCode::INVALID_ARGUMENT,
                    std::string("regex: required: which ") + (groups ? "groups" : "topics") +
                        " to move (RE2, full match; '.*' for all)"};
          }
          auto f = name_filter::make(req.regex(), "regex");
          if (!f) return to_grpc(f.error());
          filter = std::move(*f);
          if (!known_link(req.link())) return unknown_link(req.link());
          if (req.quiet_window_ms() > 3600000) {
            return {grpc::StatusCode::INVALID_ARGUMENT,
                    "quiet_window_ms: at most 3600000 (one hour); 0 = 5000"};
          }
          return grpc::Status::OK;
        },
        [&](const caller& who, pb::MoveResponse* resp) -> grpc::Status {
          move_request m;
          m.selected = [f = filter](const std::string& n) { return f.matches(n); };
          m.force = req.force();
          m.quiet_window =
              std::chrono::milliseconds(req.quiet_window_ms() == 0 ? 5000 : req.quiet_window_ms());
          m.requested_by = who.name;
          m.dry_run = req.dry_run();
          m.over_the_set = req.over_the_set();
          auto changes = control_.move(req.link(), kind, m);
          if (!changes) return to_grpc(changes.error());
          for (const auto& c : *changes) {
            if (!c.forced_guards.empty() && !req.dry_run()) {
              std::string guards;
              for (const auto& g : c.forced_guards) guards += (guards.empty() ? "" : ",") + g;
              audit_note_ += (audit_note_.empty() ? "forced: " : "; ") + c.name + " past " + guards;
            }
            auto* pc = resp->add_changes();
            pc->set_name(c.name);
            pc->set_state_before(migration::to_string(c.state_before));
            pc->set_state(migration::to_string(c.state));
            pc->set_migration_state_before(to_proto(c.state_before));
            pc->set_migration_state(to_proto(c.state));
            pc->set_action(c.action);
            for (const auto& g : c.forced_guards) pc->add_forced_guards(g);
            pc->set_operation_id(c.operation_id);
          }
          return grpc::Status::OK;
        },
        [&] {
          return groups ? states_of(req.link(), none, filter) : states_of(req.link(), filter, none);
        });
  }

  using link_fn = result<link_info> (control::*)(const std::string&, bool);
  grpc::Status link_call(const grpc::ServerContext& ctx, const char* call, role needed,
                         const pb::LinkRequest& req, pb::Link* out, link_fn fn) {
    auto state = [&] {
      for (const auto& l : state_.links()) {
        if (l.cfg.name == req.link()) {
          return "link " + req.link() + (l.paused ? " paused" : " running");
        }
      }
      return "link " + req.link() + " absent";
    };
    return mutate<pb::LinkRequest, pb::Link>(
        ctx, call, needed, req, out,
        [&] { return known_link(req.link()) ? grpc::Status::OK : unknown_link(req.link()); },
        [&](const caller&, pb::Link* resp) -> grpc::Status {
          auto info = (control_.*fn)(req.link(), req.dry_run());
          if (!info) {
            if (info.error().code == errc::not_found) return unknown_link(req.link());
            return to_grpc(info.error());
          }
          fill_link(*info, resp);
          return grpc::Status::OK;
        },
        state);
  }

  // Compiles a request's topic and group regexes into *topics and *groups.
  static grpc::Status make_filters(const std::string& topic_regex, const std::string& group_regex,
                                   name_filter* topics, name_filter* groups) {
    auto t = name_filter::make(topic_regex, "topic_regex");
    if (!t) return to_grpc(t.error());
    auto g = name_filter::make(group_regex, "group_regex");
    if (!g) return to_grpc(g.error());
    *topics = std::move(*t);
    *groups = std::move(*g);
    return grpc::Status::OK;
  }

  // "topic=STATE ..." / "group=STATE ..." of the link's objects the filters
  // select, for the audit journal.
  std::string states_of(const std::string& link, const name_filter& topics,
                        const name_filter& groups) const {
    auto view = state_.link_state(link);
    if (!view) return "";
    std::string out;
    for (const auto& t : view->topics) {
      if (topics.matches(t.topic)) {
        out += (out.empty() ? "" : " ") + t.topic + "=" + (t.state ? to_string(*t.state) : "");
      }
    }
    for (const auto& g : view->groups) {
      if (groups.matches(g.group)) {
        out += (out.empty() ? "" : " ") + std::string("group:") + g.group + "=" +
               (g.state ? to_string(*g.state) : "");
      }
    }
    return out;
  }

  bool known_link(const std::string& link) const {
    for (const auto& l : state_.links()) {
      if (l.cfg.name == link) return true;
    }
    return false;
  }

  // The name is the caller's: escaped and bounded before it is echoed (a
  // hostile one filled the reply's metadata past the client's limit).
  static grpc::Status unknown_link(const std::string& link) {
    return {grpc::StatusCode::NOT_FOUND,
            "no link '" + printable(link, 256) + "'; ListLinks (straitctl links) shows the links"};
  }

  // A filter's predicate; null when the pattern selects every name.
  static std::function<bool(const std::string&)> selected_by(const name_filter& f,
                                                             const std::string& pattern) {
    if (pattern.empty()) return nullptr;
    return [f](const std::string& n) { return f.matches(n); };
  }

  // "create:orders add_partitions:clicks ... acls:3" of a plan's actions,
  // for the audit journal (the first 20 topics, then how many more; the ACL
  // bindings to create counted).
  static std::string actions_of(const plan::topic_plan& p) {
    std::string text;
    size_t n = 0;
    for (const auto& i : p.items) {
      if (!plan::is_action(i.what)) continue;
      if (++n <= 20)
        text += (text.empty() ? "" : " ") + std::string(to_string(i.what)) + ":" + i.target;
    }
    if (n > 20) text += " and " + std::to_string(n - 20) + " more";
    // ACL bindings only counted: their names (a principal, a group id) may
    // hold spaces, which separate this line's entries.
    const auto acls = std::count_if(p.acls.begin(), p.acls.end(), [](const auto& i) {
      return i.what == policy::acl_action::create;
    });
    if (acls > 0) text += (text.empty() ? "" : " ") + std::string("acls:") + std::to_string(acls);
    // Schema versions and levels to copy, counted likewise (subjects are any bytes).
    const auto schemas =
        std::count_if(p.schemas.versions.begin(), p.schemas.versions.end(),
                      [](const auto& i) { return i.action == registry::schema_action::copy; });
    const auto levels =
        std::count_if(p.schemas.compatibility.begin(), p.schemas.compatibility.end(),
                      [](const auto& i) { return i.action == registry::schema_action::copy; });
    if (schemas + levels > 0) {
      text += (text.empty() ? "" : " ") + std::string("schemas:") + std::to_string(schemas) +
              " levels:" + std::to_string(levels);
    }
    return text.empty() ? std::string("no action") : text;
  }

  // A scorecard. Its texts carry names from Kafka and brokers' words: made
  // printable and cut; each list of an area at most kMaxScoreLines
  // (left_out counts the rest).
  static constexpr size_t kMaxScoreLines = 100;
  static void fill_scorecard(const scorecard::card& c, pb::Scorecard* out) {
    auto text = [](const std::string& s) { return single_line(s, kMaxDetailBytes); };
    out->set_link(c.link);
    out->set_drill_link(c.drill_link);
    out->set_source_cluster_id(text(c.source_cluster_id));
    out->set_target_cluster_id(text(c.target_cluster_id));
    out->set_drill_source_cluster_id(text(c.drill_source_cluster_id));
    out->set_drill_target_cluster_id(text(c.drill_target_cluster_id));
    out->set_made_at_ms(c.made_at_ms);
    out->set_min_records_compared(c.limits.min_records_compared);
    out->set_min_mirrored_ms(c.limits.min_mirrored_ms);
    out->set_max_age_ms(c.limits.max_age_ms);
    for (const auto& a : c.areas) {
      pb::ScoreArea* pa = out->add_areas();
      pa->set_name(a.name);
      pa->set_level(a.level);
      pa->set_colour(a.rating == scorecard::colour::green    ? pb::SCORE_COLOUR_GREEN
                     : a.rating == scorecard::colour::yellow ? pb::SCORE_COLOUR_YELLOW
                                                             : pb::SCORE_COLOUR_RED);
      pa->set_summary(text(a.summary));
      pa->set_next(text(a.next));
      uint32_t left_out = 0;
      auto copy = [&](const std::vector<std::string>& from,
                      google::protobuf::RepeatedPtrField<std::string>* to) {
        for (const auto& line : from) {
          if (static_cast<size_t>(to->size()) >= kMaxScoreLines) {
            ++left_out;
          } else {
            to->Add(text(line));
          }
        }
      };
      copy(a.evidence, pa->mutable_evidence());
      copy(a.reds, pa->mutable_reds());
      copy(a.yellows, pa->mutable_yellows());
      pa->set_left_out(left_out);
    }
  }

  // A plan; with `applied` (Apply), each item's outcome, and the items that
  // fit counted but left out (an estate's answer, stored under its request
  // id, stays the size of what was to do). Texts that hold what brokers
  // answered (config values, errors) are made printable, and so valid UTF-8
  // for protobuf.
  // ACL items sent at most (each up to ~6 KB of names): the rest counted.
  static constexpr size_t kMaxAclItems = 2000;
  static void fill_plan(const plan::topic_plan& p, const plan::apply_result* result,
                        pb::TopicPlan* out) {
    constexpr size_t kMax = 4096;
    const std::vector<plan::applied>* applied = result != nullptr ? &result->items : nullptr;
    const std::vector<plan::applied>* applied_acls = result != nullptr ? &result->acls : nullptr;
    out->set_link(p.link);
    out->set_made_at_ms(p.made_at_ms);
    out->set_running(p.running);
    out->set_source_cluster(printable(p.source_cluster, 256));
    out->set_target_cluster(printable(p.target_cluster, 256));
    for (const auto& n : p.notes) out->add_notes(n);
    int fit = 0;
    for (size_t k = 0; k < p.items.size(); ++k) {
      const plan::item& i = p.items[k];
      if (i.what == plan::action::nothing) ++fit;
      if (i.what == plan::action::nothing && applied != nullptr) continue;
      auto* pi = out->add_items();
      if (applied != nullptr && k < applied->size()) {
        pi->set_outcome(to_proto((*applied)[k].result));
        pi->set_message(printable((*applied)[k].message, kMax));
      }
      pi->set_topic(printable(i.topic, 256));
      pi->set_target(printable(i.target, 256));
      pi->set_action(to_proto(i.what));
      pi->set_partitions(i.partitions);
      for (const auto& [k, v] : i.configs)
        (*pi->mutable_configs())[printable(k, 256)] = printable(v, kMax);
      for (const auto& d : i.drift) {
        auto* c = pi->add_changes();
        c->set_name(printable(d.name, 256));
        c->set_source_value(printable(d.source, kMax));
        c->set_source_default(d.source_default);
        if (d.target) c->set_target_value(printable(*d.target, kMax));
      }
      pi->set_reason(printable(i.reason, kMax));
      pi->set_blocker(printable(i.blocker, kMax));
      pi->set_by_link(i.by_link);
    }
    out->set_fit(fit);
    out->set_acls_enabled(p.acls_enabled);
    out->set_acls_not_covered(p.acls_not_covered);
    out->set_acls_error(printable(p.acls_error, kMax));
    int acls_fit = 0, acls_left_out = 0;
    for (size_t k = 0; k < p.acls.size(); ++k) {
      const policy::acl_item& i = p.acls[k];
      if (i.what == policy::acl_action::nothing) ++acls_fit;
      if (i.what == policy::acl_action::nothing && applied_acls != nullptr) continue;
      if (static_cast<size_t>(out->acls_size()) >= kMaxAclItems) {
        ++acls_left_out;
        continue;
      }
      auto* pi = out->add_acls();
      if (applied_acls != nullptr && k < applied_acls->size()) {
        pi->set_outcome(to_proto((*applied_acls)[k].result));
        pi->set_message(printable((*applied_acls)[k].message, kMax));
      }
      fill_acl(i.source, pi->mutable_source());
      if (!i.target.principal.empty()) fill_acl(i.target, pi->mutable_target());
      pi->set_action(to_proto(i.what));
      pi->set_reason(printable(i.reason, kMax));
      pi->set_blocker(printable(i.blocker, kMax));
    }
    out->set_acls_fit(acls_fit);
    out->set_acls_left_out(acls_left_out);
    out->set_groups_enabled(p.groups_enabled);
    out->set_groups_note(single_line(p.groups_note, kMax));
    fill_schemas(p, result, out);
    if (applied != nullptr) return;  // apply has nothing to do for groups or the fence
    out->set_fence_enabled(p.fence_enabled);
    out->set_fence_error(printable(p.fence_error, kMax));
    // At most kMaxAclItems topics and as many bindings in all (a writer
    // that reaches every topic is a DENY for each).
    int fence_left_out = 0;
    size_t fence_denies = 0;
    for (const auto& f : p.fence) {
      if (static_cast<size_t>(out->fence_size()) >= kMaxAclItems ||
          fence_denies + f.fence.denies.size() > kMaxAclItems) {
        ++fence_left_out;
        continue;
      }
      fence_denies += f.fence.denies.size();
      auto* pf = out->add_fence();
      pf->set_topic(single_line(f.topic, 1024));
      for (const auto& d : f.fence.denies) fill_acl(d, pf->add_denies());
      for (const auto& r : f.fence.refusals) pf->add_refusals(single_line(r, kMax));
    }
    out->set_fence_left_out(fence_left_out);
    for (const auto& g : p.groups) {
      auto* pg = out->add_groups();
      pg->set_group(single_line(g.group, 1024));
      pg->set_type(g.type);
      pg->set_action(g.what == plan::group_action::sync      ? pb::GROUP_ACTION_SYNC
                     : g.what == plan::group_action::blocked ? pb::GROUP_ACTION_BLOCKED
                                                             : pb::GROUP_ACTION_NOTHING);
      pg->set_reason(single_line(g.reason, kMax));
      pg->set_blocker(single_line(g.blocker, kMax));
      pg->set_by_link(g.by_link);
    }
  }

  // The schema items of a plan (registry names and texts: any bytes, made
  // single-line); with `result` (Apply), their outcomes, FITS left out.
  static void fill_schemas(const plan::topic_plan& p, const plan::apply_result* result,
                           pb::TopicPlan* out) {
    constexpr size_t kMax = 4096;
    out->set_schemas_enabled(p.schemas_enabled);
    out->set_schemas_error(single_line(p.schemas_error, kMax));
    int fit = 0, left_out = 0;
    const auto& versions = p.schemas.versions;
    // What is to copy or blocked first: FITS items only in the room left.
    std::vector<size_t> sent;
    for (size_t k = 0; k < versions.size(); ++k) {
      if (versions[k].action == registry::schema_action::fits) ++fit;
      if (versions[k].action != registry::schema_action::fits) sent.push_back(k);
    }
    for (size_t k = 0; k < versions.size() && result == nullptr; ++k) {
      if (versions[k].action == registry::schema_action::fits) sent.push_back(k);
    }
    for (const size_t k : sent) {
      const registry::schema_item& i = versions[k];
      if (static_cast<size_t>(out->schemas_size()) >= kMaxAclItems) {
        ++left_out;
        continue;
      }
      auto* ps = out->add_schemas();
      ps->set_subject(single_line(i.subject, 1024));
      ps->set_version(i.version);
      ps->set_id(i.id);
      ps->set_schema_type(registry::to_string(i.type));
      ps->set_action(i.action == registry::schema_action::copy   ? pb::SCHEMA_ACTION_COPY
                     : i.action == registry::schema_action::fits ? pb::SCHEMA_ACTION_FITS
                                                                 : pb::SCHEMA_ACTION_BLOCKED);
      ps->set_reason(single_line(i.reason, kMax));
      if (result != nullptr && k < result->schemas.size()) {
        ps->set_outcome(to_proto(result->schemas[k].result));
        ps->set_message(single_line(result->schemas[k].message, kMax));
      }
    }
    const auto& levels = p.schemas.compatibility;
    if (levels.size() > kMaxAclItems) left_out += static_cast<int>(levels.size() - kMaxAclItems);
    out->set_schemas_fit(fit);
    out->set_schemas_left_out(left_out);
    for (size_t k = 0; k < levels.size() && k < kMaxAclItems; ++k) {
      auto* pc = out->add_compatibility();
      pc->set_subject(single_line(levels[k].subject, 1024));
      pc->set_source_level(single_line(levels[k].source_level, 64));
      pc->set_target_level(single_line(levels[k].target_level, 64));
      pc->set_action(levels[k].action == registry::schema_action::copy ? pb::SCHEMA_ACTION_COPY
                                                                       : pb::SCHEMA_ACTION_BLOCKED);
      pc->set_reason(single_line(levels[k].reason, kMax));
      if (result != nullptr && k < result->compatibility.size()) {
        pc->set_outcome(to_proto(result->compatibility[k].result));
        pc->set_message(single_line(result->compatibility[k].message, kMax));
      }
    }
  }

  // An ACL binding; its names are Kafka's (any bytes): made single-line
  // (valid UTF-8, no control character; a backslash, as in an mTLS DN,
  // stays).
  static void fill_acl(const kafka::acl_binding& a, pb::Acl* out) {
    constexpr size_t kMaxName = 1024;
    out->set_resource_type(single_line(a.resource_type, 32));
    out->set_resource_name(single_line(a.resource_name, kMaxName));
    out->set_pattern_type(single_line(a.pattern_type, 32));
    out->set_principal(single_line(a.principal, kMaxName));
    out->set_host(single_line(a.host, kMaxName));
    out->set_operation(single_line(a.operation, 32));
    out->set_permission(single_line(a.permission, 32));
  }

  static void fill_cluster(const scan::cluster_inventory& c, bool details,
                           pb::ClusterInventory* out) {
    out->set_cluster_id(c.cluster_id);
    out->set_controller_id(c.controller_id);
    out->set_topics(c.topics);
    out->set_partitions(c.partitions);
    out->set_error(c.error);
    out->set_acls_read(c.acls.has_value());
    out->set_acls_truncated(c.acls_truncated);
    out->set_acls_error(c.acls_error);
    out->set_users_read(c.users.has_value());
    out->set_users_error(c.users_error);
    out->set_limits_error(c.limits_error);
    for (const auto& e : c.limits) (*out->mutable_limits())[e.name] = e.value;
    for (const auto& b : c.brokers) {
      auto* pb = out->add_brokers();
      pb->set_id(b.id);
      pb->set_host(b.host);
      pb->set_port(b.port);
      pb->set_rack(b.rack);
    }
    if (!details) return;
    for (const auto& a : c.acls.value_or(std::vector<kafka::acl_binding>{})) {
      fill_acl(a, out->add_acls());
    }
    for (const auto& u : c.users.value_or(std::vector<kafka::scram_user>{})) {
      auto* pu = out->add_users();
      pu->set_name(u.name);
      for (const auto& cr : u.credentials) {
        pu->add_mechanisms(cr.mechanism + "/" + std::to_string(cr.iterations));
      }
    }
  }

  // `details`: topics, groups, waves, ACLs and users too (ListScans leaves
  // them out).
  static void fill_scan(const scan::report& r, bool details, pb::ScanReport* out) {
    out->set_id(r.id);
    out->set_link(r.link);
    out->set_requested_by(r.requested_by);
    out->set_started_at_ms(r.started_at_ms);
    out->set_finished_at_ms(r.finished_at_ms);
    out->set_outcome(scan::to_string(r.result));
    out->set_result(to_proto(r.result));
    out->set_catch_up(to_proto(r.catch_up));
    out->set_error(r.error);
    out->set_window_ms(r.window_ms);
    out->set_measured_ms(r.measured_ms);
    fill_cluster(r.source, details, out->mutable_source());
    fill_cluster(r.target, details, out->mutable_target());
    out->set_groups_error(r.groups_error);
    out->set_backlog(r.backlog);
    out->set_mirror_records_per_s(r.mirror_records_per_s);
    out->set_source_records_per_s(r.source_records_per_s);
    out->set_catch_up_ms(r.catch_up_ms);
    out->set_catch_up_note(r.catch_up_note);
    out->set_bytes_to_copy_estimate(r.bytes_to_copy_estimate);
    for (const auto& n : r.notes) out->add_notes(n);
    if (!details) return;
    for (const auto& t : r.topics) {
      auto* pt = out->add_topics();
      pt->set_name(t.name);
      pt->set_selected(t.selected);
      pt->set_partitions(t.partitions);
      pt->set_cleanup_policy(t.cleanup_policy);
      pt->set_retention_ms(t.retention_ms);
      pt->set_retention_bytes(t.retention_bytes);
      pt->set_max_message_bytes(t.max_message_bytes);
      pt->set_timestamp_type(t.timestamp_type);
      pt->set_configs_error(t.configs_error);
      pt->set_records(t.records);
      pt->set_window_records(t.window_records);
      pt->set_records_per_s(t.records_per_s);
      pt->set_idle(t.idle);
      pt->set_backlog(t.backlog);
      pt->set_sampled_records(t.sampled_records);
      pt->set_sampled_bytes(t.sampled_bytes);
      pt->set_oldest_unmirrored_age_ms(t.oldest_unmirrored_age_ms);
      pt->set_target_topic(t.target_topic);
      pt->set_target_partitions(t.target_partitions);
      pt->set_headroom(scan::to_string(t.headroom));
      pt->set_headroom_level(to_proto(t.headroom));
      pt->set_headroom_reason(t.headroom_reason);
      pt->set_unread_partitions(t.unread_partitions);
      pt->set_unsampled_partitions(t.unsampled_partitions);
      pt->set_handed_over_partitions(t.handed_over_partitions);
    }
    for (const auto& g : r.groups) {
      auto* pg = out->add_groups();
      pg->set_id(g.id);
      pg->set_selected(g.selected);
      pg->set_type(g.type);
      pg->set_state(g.state);
      pg->set_members(g.members);
      for (const auto& c : g.client_ids) pg->add_client_ids(c);
      for (const auto& h : g.hosts) pg->add_hosts(h);
      for (const auto& t : g.topics) pg->add_topics(t);
      for (const auto& t : g.unselected_topics) pg->add_unselected_topics(t);
      pg->set_note(g.note);
    }
    for (const auto& w : r.waves) {
      auto* pw = out->add_waves();
      pw->set_number(w.number);
      for (const auto& t : w.topics) pw->add_topics(t);
      for (const auto& g : w.groups) pw->add_groups(g);
      pw->set_records(w.records);
      pw->set_backlog(w.backlog);
    }
  }

  static void fill_report(const verify::report& r, bool details, pb::VerifyReport* out) {
    out->set_id(r.id);
    out->set_link(r.link);
    out->set_started_at_ms(r.started_at_ms);
    out->set_finished_at_ms(r.finished_at_ms);
    out->set_outcome(verify::to_string(r.outcome));
    out->set_verdict(to_proto(r.outcome));
    out->set_sample_records(static_cast<uint64_t>(r.sample_records));
    out->set_requested_by(r.requested_by);
    out->set_records_planned(r.records_planned);
    out->set_records_done(r.records_done);
    out->set_error(r.error);
    for (const auto& t : r.topics) {
      auto* pt = out->add_topics();
      pt->set_topic(t.topic);
      pt->set_target_topic(t.target_topic);
      pt->set_source_partitions(t.source_partitions);
      pt->set_target_partitions(t.target_partitions);
      pt->set_passed(t.passed());
      for (const auto& d : t.differences) pt->add_differences(d);
      if (!details) continue;
      for (const auto& p : t.partitions) {
        auto* pp = pt->add_partitions();
        pp->set_partition(p.partition);
        pp->set_source_from(p.source_from);
        pp->set_source_to(p.source_to);
        pp->set_target_from(p.target_from);
        pp->set_target_to(p.target_to);
        pp->set_records_compared(p.records_compared);
        pp->set_mismatched(p.mismatched);
        pp->set_missing_on_target(p.missing_on_target);
        pp->set_unmapped_source(p.unmapped_source);
        pp->set_unexpected_target(p.unexpected_target);
        pp->set_first_difference(p.first_difference);
        pp->set_note(p.note);
        pp->set_error(p.error);
        pp->set_passed(p.passed());
      }
    }
    for (const auto& g : r.groups) {
      auto* pg = out->add_groups();
      pg->set_group(g.group);
      pg->set_source_state(g.source_state);
      pg->set_partitions_checked(g.partitions_checked);
      pg->set_note(g.note);
      pg->set_error(g.error);
      pg->set_passed(g.passed());
      if (!details) continue;
      for (const auto& d : g.differences) {
        auto* pd = pg->add_differences();
        pd->set_topic(d.topic);
        pd->set_partition(d.partition);
        pd->set_source_committed(d.source_committed);
        pd->set_expected_target(d.expected_target);
        pd->set_target_committed(d.target_committed);
      }
    }
    if (r.schemas.compared) {
      auto* ps = out->mutable_schemas();
      ps->set_compared(true);
      ps->set_subjects(r.schemas.subjects);
      ps->set_versions_compared(r.schemas.versions_compared);
      ps->set_differing(r.schemas.differing);
      ps->set_only_on_target(r.schemas.only_on_target);
      ps->set_note(r.schemas.note);
      ps->set_error(r.schemas.error);
      ps->set_passed(r.schemas.passed());
      if (details) {
        for (const auto& d : r.schemas.differences) ps->add_differences(d);
      }
    }
  }

  grpc::Status fill_status(const std::string& link, const name_filter& topics,
                           const name_filter& groups, pb::LinkStatus* out) const {
    auto view = state_.link_state(link);
    if (!view) {
      if (view.error().code == errc::not_found) return unknown_link(link);
      return to_grpc(view.error());
    }
    out->set_link(view->link);
    out->set_paused(view->paused);
    out->set_taken_at_ms(wall_clock_ms());
    out->set_inflight_bytes(view->inflight_bytes);
    out->set_acl_records_error(view->acl_records_error);
    for (const auto& c : view->clusters) {
      auto* pc = out->add_clusters();
      pc->set_side(c.side);
      pc->set_reachable(c.reachable);
      pc->set_error(c.error);
    }
    for (const auto& t : view->topics) {
      if (!topics.matches(t.topic)) continue;
      auto* pt = out->add_topics();
      pt->set_topic(t.topic);
      pt->set_target_topic(t.target_topic);
      if (t.state) {
        pt->set_state(migration::to_string(*t.state));
        pt->set_migration_state(to_proto(*t.state));
      }
      pt->set_operation_id(t.operation_id);
      pt->set_activity(t.activity);
      pt->set_error(t.error);
      for (const auto& d : t.config_drift) {
        auto* pd = pt->add_config_drift();
        pd->set_name(d.name);
        pd->set_source_value(d.source_value);
        pd->set_source_default(d.source_default);
        if (d.target_value) pd->set_target_value(*d.target_value);
      }
      pt->set_config_drift_reason(t.drift_reason);
      for (const auto& b : t.source_fence) fill_acl(b, pt->add_source_fence());
      for (const auto& b : t.target_grants) fill_acl(b, pt->add_target_grants());
      pt->set_owned_bindings_left_out(t.owned_bindings_left_out);
      for (const auto& d : t.acl_drift) pt->add_acl_drift(single_line(d, kMaxDetailBytes));
      for (const auto& p : t.reverse_partitions) fill_partition(p, pt->add_reverse_partitions());
      int64_t lag = 0;
      double rate = 0;
      for (const auto& p : t.partitions) {
        fill_partition(p, pt->add_partitions());
        lag += p.lag_records;
        rate += p.records_per_second;
      }
      pt->set_lag_records(lag);
      pt->set_records_per_second(rate);
    }
    for (const auto& g : view->groups) {
      if (!groups.matches(g.group)) continue;
      auto* pg = out->add_groups();
      pg->set_group(g.group);
      if (g.state) {
        pg->set_state(migration::to_string(*g.state));
        pg->set_migration_state(to_proto(*g.state));
      }
      pg->set_operation_id(g.operation_id);
      pg->set_activity(g.activity);
      pg->set_on_source(g.on_source);
      pg->set_sync_age_seconds(g.sync_age_seconds);
      pg->set_partitions_synced(g.partitions_synced);
      pg->set_partitions_ahead_of_mirroring(g.partitions_ahead);
      for (const auto& [reason, n] : g.partitions_skipped) {
        (*pg->mutable_partitions_skipped())[reason] = n;
      }
    }
    return grpc::Status::OK;
  }

  const state_provider& state_;
  audit_log& audit_;
  control& control_;
  authenticator auth_;
  // Lock order: mutate_mu_, then the journal's (held only to write entries
  // and consult the budget); mu_ is never held with either.
  std::mutex mutate_mu_;  // one mutating call at a time (request ids, before/after states)
  // Every entry is written through it (the store stores every field
  // single-line and bounded: stored_audit_log::record).
  budgeted_journal journal_;
  // What a mutating call wants added to its audit result (e.g. the guards a
  // forced cutover overrode); guarded by mutate_mu_.
  std::string audit_note_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::atomic<int> watchers_{0};        // WatchStatus and WatchOperation streams open
  std::atomic<bool> importing_{false};  // an ImportComponent is being received
};

}  // namespace

struct api_server::impl {
  std::unique_ptr<service> svc;
  std::unique_ptr<grpc::Server> server;
  std::string address;
};

api_server::api_server() : impl_(std::make_unique<impl>()) {}
api_server::~api_server() { stop(); }

status api_server::start(const std::string& listen, const config::api_security_config& security,
                         const state_provider& state, audit_log& audit, control& ctl) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return fail(errc::invalid_argument,
                "daemon.api_listen: expected host:port, got '" + listen + "'");
  }
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  std::optional<client_ca> client_certs;
  if (!security.cert_file.empty()) {
    auto cert = read_file(security.cert_file, "daemon.api_security.cert_file");
    if (!cert) return std::unexpected(cert.error());
    auto key = read_file(security.key_file, "daemon.api_security.key_file");
    if (!key) return std::unexpected(key.error());
    grpc::SslServerCredentialsOptions tls;
    tls.pem_key_cert_pairs.push_back({*key, *cert});
    if (!security.client_ca_file.empty()) {
      auto ca = read_file(security.client_ca_file, "daemon.api_security.client_ca_file", true);
      if (!ca) return std::unexpected(ca.error());
      auto loaded = client_ca::load(*ca);
      if (!loaded) return std::unexpected(loaded.error());
      client_certs = std::move(*loaded);
      // straitd checks the certificate itself (client_ca::verify), so that a
      // missing or untrusted one is a refusal in the journal, not a failed
      // handshake nobody sees; the handshake still proves the private key.
      tls.pem_root_certs = *ca;
      tls.client_certificate_request = GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_BUT_DONT_VERIFY;
    }
    credentials = grpc::SslServerCredentials(tls);
  }
  token_table tokens;
  if (!security.tokens_file.empty()) {
    auto t = token_table::load(security.tokens_file);
    if (!t) return std::unexpected(t.error());
    tokens = std::move(*t);
  }
  if (tokens.empty() && security.client_ca_file.empty() && security.allow_anonymous_admin) {
    spdlog::warn(
        "api: every caller of {} is the administrator 'local' (daemon.api_security."
        "allow_anonymous_admin: true, neither client_ca_file nor tokens_file)",
        listen);
  }
  impl_->svc = std::make_unique<service>(state, audit, ctl,
                                         authenticator(std::move(tokens), std::move(client_certs)));
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, credentials, &port);
  builder.RegisterService(impl_->svc.get());
  builder.SetMaxReceiveMessageSize(1 << 20);  // requests are small; refuse oversized ones
  grpc::ResourceQuota quota("straitd-api");
  quota.SetMaxThreads(kMaxApiThreads);
  builder.SetResourceQuota(quota);
  impl_->server = builder.BuildAndStart();
  if (!impl_->server || port == 0) {
    impl_->server.reset();
    impl_->svc.reset();
    return fail(errc::invalid_argument,
                "daemon.api_listen: cannot listen on " + listen +
                    " (address in use, not a local IP, or a bad certificate/key in "
                    "daemon.api_security?)");
  }
  impl_->address = listen.substr(0, colon) + ":" + std::to_string(port);
  impl_->svc->started();
  return {};
}

void api_server::stop() {
  if (!impl_->server) return;
  impl_->svc->stopping();
  impl_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  impl_->server->Wait();
  impl_->server.reset();
  impl_->svc->stopped();
}

std::string api_server::address() const { return impl_->address; }

}  // namespace strait::api
