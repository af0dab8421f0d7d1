#pragma once

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

namespace strait::testing {

// A child process with its output sent to a log file.
class child_process {
 public:
  child_process(const std::vector<std::string>& argv, const std::string& log_path);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  void signal(int sig) const;
  // Waits for exit; returns the exit status (128+signal when killed).
  int wait();
  // Without waiting: the exit status if the process has ended, else nothing.
  std::optional<int> exited();

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

// Runs a command, returns its stdout (trailing newline removed); throws on failure.
std::string run_command(const std::string& cmd);

// GET http://address/path; returns the body ("" on failure).
std::string http_get(const std::string& address, const std::string& path);

// `method` on `url` with curl (an independent HTTP client), a JSON body
// when `json_body` is not empty; returns the answer's body, throws when
// curl fails.
std::string curl(const std::string& method, const std::string& url,
                 const std::string& json_body = "");

}  // namespace strait::testing
