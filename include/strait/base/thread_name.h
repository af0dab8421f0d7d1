#pragma once

#include <pthread.h>

#include <string>

namespace strait {

// Names the calling thread as top -H, ps -L and perf show it. Linux keeps
// 15 bytes: a longer name is cut there (a link's name in a thread name is
// a hint, not an identifier).
inline void set_thread_name(const std::string& name) {
  (void)pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace strait
