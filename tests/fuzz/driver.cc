// Runs a fuzz target (LLVMFuzzerTestOneInput) without libFuzzer: every file
// of the corpus directories, then random mutations of them for a bounded
// time. Built with address+undefined sanitizers, a crash, a leak or
// undefined behaviour aborts the run; the input is written to
// crash-<target>-<seed> first so it can become a corpus file (and so a
// regression test).
//
//   fuzz_<target> [--seconds N] [--seed S] CORPUS_DIR...
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
// The sanitizers' hook run before they end the process (absent without them).
extern "C" void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

namespace {

std::string g_pending;  // the input being run, saved if the process dies
std::string g_crash_file;

void save_pending() {
  if (g_crash_file.empty()) return;
  std::ofstream(g_crash_file, std::ios::binary) << g_pending;
}

void run(const std::string& input) {
  g_pending = input;
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

// One random change: flip a bit, set a byte to an interesting value,
// insert, erase or duplicate a range, or splice in part of another input.
std::string mutate(std::string s, const std::vector<std::string>& corpus, std::mt19937_64& rng) {
  auto pick = [&](size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng() % n); };
  static const char kInteresting[] = {'\0', '\n', '{', '}', '[', ']', ':',  '"',    '\'',   '$',
                                      '&',  '*',  '-', '#', '!', '%', '\\', '\xff', '\x80', ' '};
  switch (rng() % 6) {
    case 0:
      if (!s.empty()) s[pick(s.size())] ^= static_cast<char>(1u << (rng() % 8));
      break;
    case 1:
      if (!s.empty()) s[pick(s.size())] = kInteresting[pick(sizeof(kInteresting))];
      break;
    case 2:
      s.insert(pick(s.size() + 1), 1 + pick(8), kInteresting[pick(sizeof(kInteresting))]);
      break;
    case 3:
      if (!s.empty()) {
        const size_t at = pick(s.size());
        s.erase(at, 1 + pick(std::min<size_t>(16, s.size() - at)));
      }
      break;
    case 4:
      if (!s.empty()) {
        const size_t at = pick(s.size());
        const std::string part = s.substr(at, 1 + pick(32));
        s.insert(pick(s.size() + 1), part);
      }
      break;
    default: {
      const std::string& other = corpus[pick(corpus.size())];
      if (!other.empty()) {
        const size_t at = pick(other.size());
        s.insert(pick(s.size() + 1), other.substr(at, 1 + pick(64)));
      }
    }
  }
  if (s.size() > 64 * 1024) s.resize(64 * 1024);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 10;
  uint64_t seed = std::random_device{}();
  std::vector<std::string> corpus;
  const std::string target = std::filesystem::path(argv[0]).filename().string();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (a == "--seed" && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else {
      for (const auto& f : std::filesystem::directory_iterator(a)) {
        std::ifstream in(f.path(), std::ios::binary);
        corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      }
    }
  }
  if (corpus.empty()) {
    std::fprintf(stderr, "%s: no corpus file (give the corpus directories)\n", target.c_str());
    return 2;
  }
  if (__sanitizer_set_death_callback != nullptr) __sanitizer_set_death_callback(save_pending);
  g_crash_file = "crash-" + target + "-" + std::to_string(seed);
  for (const auto& input : corpus) run(input);
  std::mt19937_64 rng(seed);
  const auto until = std::chrono::steady_clock::now() +
                     std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
  uint64_t runs = 0;
  std::string current = corpus[0];
  while (std::chrono::steady_clock::now() < until) {
    if (runs % 64 == 0) current = corpus[rng() % corpus.size()];
    const int depth = 1 + static_cast<int>(rng() % 4);
    for (int d = 0; d < depth; ++d) current = mutate(std::move(current), corpus, rng);
    run(current);
    ++runs;
  }
  g_crash_file.clear();  // a clean end: nothing to save
  std::printf("%s: %zu corpus inputs and %llu mutations (seed %llu, %.0f s): no failure\n",
              target.c_str(), corpus.size(), static_cast<unsigned long long>(runs),
              static_cast<unsigned long long>(seed), seconds);
  return 0;
}
