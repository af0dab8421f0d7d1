// Every unary call of the strait.v1 API, and ImportComponent (client
// streaming) with one message, with arbitrary request bytes, sent raw to an
// in-process server with a fake runtime: the server decodes them (or
// refuses them) and the handler runs. The first input byte picks the
// call; the rest is the serialized request.
#include <utility>  // before gRPC/Abseil headers in C++20 and later

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>

#include "api_test_util.h"
#include "strait/api/api_server.h"

namespace {

using namespace strait::api;

const char* const kCalls[] = {"ListLinks",
                              "GetLink",
                              "CreateLink",
                              "Stage",
                              "DeleteLink",
                              "PauseLink",
                              "ResumeLink",
                              "GetStatus",
                              "ListAudit",
                              "Verify",
                              "CutoverTopics",
                              "RollbackTopics",
                              "FinalizeTopics",
                              "CutoverGroups",
                              "RollbackGroups",
                              "FinalizeGroups",
                              "Acknowledge",
                              "GetVerifyReport",
                              "ListVerifyReports",
                              "GetOperation",
                              "ListOperations",
                              "Scan",
                              "GetScan",
                              "ListScans",
                              "PlanShards",
                              "GetShards",
                              "ApplyShards",
                              "GetScorecard",
                              "ReleaseComponent",
                              "ExportComponent",
                              "ImportComponent",
                              "ForgetComponent",
                              "Plan",
                              "Apply"};

struct server_under_test {
  fake_state state;
  memory_audit audit;
  fake_control control;
  api_server server;
  std::unique_ptr<grpc::GenericStub> stub;

  server_under_test() {
    if (!server.start("127.0.0.1:0", {}, state, audit, control)) std::abort();
    stub = std::make_unique<grpc::GenericStub>(
        grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials()));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static server_under_test* s = new server_under_test();  // lives for the process
  if (size == 0) return 0;
  const std::string method =
      std::string("/strait.v1.Strait/") + kCalls[data[0] % std::size(kCalls)];
  grpc::Slice slice(data + 1, size - 1);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::ByteBuffer response;
  grpc::Status status;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  s->stub->UnaryCall(&ctx, method, grpc::StubOptions(), &request, &response, [&](grpc::Status st) {
    std::lock_guard lock(mu);
    status = std::move(st);
    done = true;
    cv.notify_one();
  });
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return done; });
  // The server answers every request, and never with a deadline it let pass.
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) std::abort();
  return 0;
}
