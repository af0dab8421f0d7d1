// straitd: mirrors topics from a source Kafka cluster to a target cluster.
#include <malloc.h>
#include <signal.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>

#include "application.h"
#include "offline.h"
#include "strait/base/text.h"
#include "strait/kafka/client.h"

namespace {

// The %* flag: the message on one line, harmless to a terminal. Messages
// carry names from Kafka (group ids) and from requests, which may hold
// newlines or escape sequences that would forge or split a log line.
class single_line_message : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const std::string text =
        strait::single_line(std::string_view(msg.payload.data(), msg.payload.size()), 16 * 1024);
    dest.append(text.data(), text.data() + text.size());
  }
  [[nodiscard]] std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<single_line_message>();
  }
};

constexpr const char* kUsage =
    "usage: straitd --config FILE [--check-config]\n"
    "       straitd --config FILE --acknowledge LINK/TOPIC/PARTITION --resolution RESOLUTION\n"
    "       straitd --config FILE --delete-link LINK\n"
    "\n"
    "  --config FILE        YAML configuration (docs/configuration.md)\n"
    "  --check-config       validate the configuration and exit\n"
    "  --acknowledge P      record an operator decision for a stopped partition (the daemon\n"
    "                       must be stopped); applied at the next start\n"
    "  --resolution R       retry | skip-to-log-start | accept-target | skip-record\n"
    "  --delete-link LINK   remove a link created through the API from the store (the\n"
    "                       daemon must be stopped), e.g. one that no longer loads\n"
    "  --version            print the version\n"
    "\n"
    "exit codes: 0 ok, 1 runtime failure, 2 bad usage or configuration, 3 store busy or damaged\n";

int exit_code(strait::errc code) {
  switch (code) {
    case strait::errc::invalid_argument:
    case strait::errc::not_found:
    case strait::errc::precondition:
      return 2;
    case strait::errc::busy:
    case strait::errc::corruption:
      return 3;
    default:
      return 1;
  }
}

// glibc gives threads that allocate at once arenas of their own (up to 8
// per core) and keeps what is freed in the arena it came from: librdkafka's
// broker threads, the engine, the supervisor and the verify's readers each
// grew one, and a catching-up estate's RSS peaked at 60-110 MB over the
// memory in use. Two arenas, and what they keep released every 10 s
// (release_freed_memory), bring the peak near the memory in use (ADR 0015).
// A MALLOC_ARENA_MAX or glibc.malloc.arena_max tunable in the environment
// wins. Called before any thread starts; returns what was chosen, for the log.
std::string limit_malloc_arenas() {
#if defined(__GLIBC__)
  constexpr int kArenas = 2;
  const char* env = std::getenv("MALLOC_ARENA_MAX");
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if ((env != nullptr && *env != '\0') ||
      (tunables != nullptr && std::strstr(tunables, "glibc.malloc.arena_max") != nullptr)) {
    return "malloc arenas as the environment sets them";
  }
  if (mallopt(M_ARENA_MAX, kArenas) == 1) return "malloc limited to 2 arenas";
  return "malloc arenas at glibc's default (mallopt refused the limit)";
#else
  return "malloc as the C library has it";
#endif
}

// What malloc keeps after a burst (a catch-up, a verification) goes back to
// the system: the freed pages of every arena are released. Cheap when there
// is little to release; pages used again fault back in.
void release_freed_memory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace

int main(int argc, char** argv) {
  const std::string malloc_setting = limit_malloc_arenas();
  // What straitd creates (the checkpoint store with its audit journal, the
  // address files) is its own: no access for others, whatever umask it was
  // started with; a umask that is stricter still is kept.
  ::umask(::umask(0) | 027);
  std::string config_path, ack, resolution, delete_link;
  bool check_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* name) -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "straitd: %s needs a value\n%s", name, kUsage);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--config") {
      config_path = value("--config");
    } else if (a == "--check-config") {
      check_only = true;
    } else if (a == "--acknowledge") {
      ack = value("--acknowledge");
    } else if (a == "--resolution") {
      resolution = value("--resolution");
    } else if (a == "--delete-link") {
      delete_link = value("--delete-link");
    } else if (a == "--version") {
      std::printf("straitd %s (%s)\n", STRAIT_VERSION, strait::kafka::library_version().c_str());
      return 0;
    } else if (a == "--help" || a == "-h") {
      std::printf("%s", kUsage);
      return 0;
    } else {
      std::fprintf(stderr, "straitd: unknown argument '%s'\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  if (config_path.empty()) {
    std::fprintf(stderr, "straitd: --config FILE is required\n%s", kUsage);
    return 2;
  }
  if (!ack.empty() != !resolution.empty()) {
    std::fprintf(stderr, "straitd: --acknowledge and --resolution go together\n%s", kUsage);
    return 2;
  }

  if (auto s = strait::kafka::check_library_version(); !s) {
    std::fprintf(stderr, "straitd: %s\n", s.error().message.c_str());
    return 2;
  }
  auto cfg = strait::config::load_file(config_path);
  if (!cfg) {
    std::fprintf(stderr, "straitd: invalid configuration %s\n", cfg.error().message.c_str());
    return 2;
  }
  spdlog::set_default_logger(spdlog::stderr_color_mt("straitd"));
  spdlog::set_level(spdlog::level::from_str(cfg->daemon.log_level));
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<single_line_message>('*').set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %*");
  spdlog::set_formatter(std::move(formatter));
  spdlog::info("straitd {} with {}; {}", STRAIT_VERSION, strait::kafka::library_version(),
               malloc_setting);
  if (check_only) {
    // librdkafka validates property names and values when a configuration
    // object is built; do that for every client without connecting.
    for (const auto& link : cfg->links) {
      for (const auto* side : {&link.source, &link.target}) {
        const char* name = side == &link.source ? "source" : "target";
        auto conf = strait::kafka::make_conf(side->props, {},
                                             "links." + link.name + "." + name + ".properties");
        if (!conf) {
          std::fprintf(stderr, "straitd: invalid configuration %s\n", conf.error().message.c_str());
          return 2;
        }
      }
    }
    std::printf("configuration OK: %zu link(s)\n", cfg->links.size());
    return 0;
  }
  if (!delete_link.empty()) {
    auto s = strait::daemon::delete_link_offline(*cfg, delete_link);
    if (!s) {
      std::fprintf(stderr, "straitd: %s\n", s.error().message.c_str());
      return exit_code(s.error().code);
    }
    return 0;
  }
  if (!ack.empty()) {
    auto s = strait::daemon::acknowledge(*cfg, ack, resolution);
    if (!s) {
      std::fprintf(stderr, "straitd: %s\n", s.error().message.c_str());
      return exit_code(s.error().code);
    }
    return 0;
  }

  // Signals are taken synchronously by this thread; the others never see them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  strait::daemon::application app(std::move(*cfg));
  if (auto s = app.start(); !s) {
    // One log line per problem (the log format escapes newlines).
    std::istringstream problems(s.error().message);
    for (std::string line; std::getline(problems, line);) {
      spdlog::critical("cannot start: {}", line);
    }
    app.stop();
    return exit_code(s.error().code);
  }
  // This thread waits for a signal and, every 10 s meanwhile, releases what
  // malloc keeps.
  const timespec every{10, 0};
  int sig = -1;
  while ((sig = sigtimedwait(&signals, nullptr, &every)) < 0) release_freed_memory();
  spdlog::info("{} received: draining records in flight and writing the final checkpoint",
               strsignal(sig));
  app.stop();
  if (app.failed()) {
    spdlog::critical("stopped after a fatal producer error; exit code 1 so the service restarts");
    return 1;
  }
  spdlog::info("stopped");
  return 0;
}
