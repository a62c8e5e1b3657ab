// Every input a fuzz target once failed on, kept under
// tests/data/fuzz_regressions/<target>/, runs again through the same target
// function the libFuzzer executable calls (fuzz/targets.hpp), without
// libFuzzer: a crash, a sanitizer report (in the sanitizer builds) or a
// broken invariant fails the suite. docs/fuzzing.md.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "targets.hpp"

namespace npusched::fuzz {
namespace {

namespace fs = std::filesystem;

const fs::path regressions = fs::path(NPUSCHED_TEST_DATA_DIR) / "fuzz_regressions";

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> files;
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file() && e.path().filename().string().front() != '.') files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

TEST(FuzzRegressions, EverySavedInputRunsThroughItsTargetWithoutFailing) {
  std::size_t ran = 0;
  for (const target& t : all_targets())
    for (const fs::path& file : files_in(regressions / std::string(t.name))) {
      std::ifstream in(file, std::ios::binary);
      const std::string input((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::cerr << "fuzz regression: " << t.name << "/" << file.filename().string() << "\n";
      t.run(input);
      ++ran;
    }
  RecordProperty("inputs", static_cast<int>(ran));
}

TEST(FuzzRegressions, EveryRegressionDirectoryNamesATarget) {
  if (!fs::is_directory(regressions)) return;
  for (const auto& e : fs::directory_iterator(regressions)) {
    if (!e.is_directory()) continue;
    const std::string name = e.path().filename().string();
    EXPECT_TRUE(std::any_of(all_targets().begin(), all_targets().end(),
                            [&](const target& t) { return t.name == name; }))
        << name << " is not a fuzz target (fuzz/targets.cpp)";
  }
}

}  // namespace
}  // namespace npusched::fuzz
