// write_file_atomic, read_file and check_writable_destination on real files in a private
// temporary directory.
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <iterator>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_support.hpp"
#include "util/atomic_file.hpp"
#include "util/errors.hpp"

namespace fs = std::filesystem;

using tbtest::ScratchDir;

using tbtest::usage_error_of;

namespace {

// A fresh directory under the system temp directory, removed with everything in it.
std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("write_file_atomic creates and replaces a file", "[atomic_file]") {
  ScratchDir dir{"tb_atomic_file_test"};
  const auto file = dir.path / "report.json";

  tb::write_file_atomic(file, "first version, fairly long content\n");
  CHECK(slurp(file) == "first version, fairly long content\n");

  tb::write_file_atomic(file, "second");
  CHECK(slurp(file) == "second");  // replaced, not appended or partially overwritten

  tb::write_file_atomic(file, "");
  CHECK(fs::exists(file));
  CHECK(fs::file_size(file) == 0);

  // No temporary file is left next to it.
  CHECK(dir.entries() == std::vector<std::string>{"report.json"});
}

TEST_CASE("write_file_atomic writes binary content and a readable file", "[atomic_file]") {
  ScratchDir dir{"tb_atomic_file_test"};
  const auto file = dir.path / "blob.bin";
  std::string content(70000, '\0');
  for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7 % 256);
  tb::write_file_atomic(file, content);
  CHECK(slurp(file) == content);
  CHECK(tb::read_file(file) == content);
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);
}

TEST_CASE("write_file_atomic into a missing directory", "[atomic_file]") {
  ScratchDir dir{"tb_atomic_file_test"};
  const auto missing = dir.path / "no_such_dir";
  const auto file = missing / "out.json";
  CHECK_THROWS_AS(tb::write_file_atomic(file, "x"), tb::UsageError);
  CHECK_THAT(usage_error_of([&] { tb::write_file_atomic(file, "x"); }), tbtest::contains(file.string()));
  CHECK_FALSE(fs::exists(missing));  // nothing created
  CHECK(dir.entries().empty());
}

TEST_CASE("write_file_atomic does not clobber on failure", "[atomic_file]") {
  ScratchDir dir{"tb_atomic_file_test"};

  SECTION("a directory in the way is left alone") {
    const auto target = dir.path / "taken";
    fs::create_directories(target / "inner");
    CHECK_THROWS_AS(tb::write_file_atomic(target, "data"), tb::UsageError);
    CHECK(fs::is_directory(target / "inner"));
    CHECK(dir.entries() == std::vector<std::string>{"taken"});  // no temporary left behind
  }

  SECTION("a failed write keeps the old content and removes the temporary") {
    const auto file = dir.path / "keep.txt";
    tb::write_file_atomic(file, "old content");
    // Make write(2) fail with EFBIG: a 16-byte file size limit, SIGXFSZ ignored.
    rlimit saved{};
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved) == 0);
    const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit small = saved;
    small.rlim_cur = 16;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
    std::string message;
    try {
      tb::write_file_atomic(file, std::string(4096, 'n'));
    } catch (const tb::UsageError& e) {
      message = e.what();
    }
    ::setrlimit(RLIMIT_FSIZE, &saved);
    std::signal(SIGXFSZ, old_handler);
    CHECK_THAT(message, tbtest::contains("cannot write"));
    CHECK_THAT(message, tbtest::contains("keep.txt"));
    CHECK(slurp(file) == "old content");
    CHECK(dir.entries() == std::vector<std::string>{"keep.txt"});
  }
}

TEST_CASE("read_file", "[atomic_file]") {
  ScratchDir dir{"tb_atomic_file_test"};
  const auto file = dir.path / "in.txt";
  std::ofstream(file) << "line 1\nline 2\n";
  CHECK(tb::read_file(file) == "line 1\nline 2\n");
  const auto missing = dir.path / "missing.txt";
  CHECK_THROWS_AS(tb::read_file(missing), tb::Error);
  try {
    tb::read_file(missing);
  } catch (const tb::Error& e) {
    CHECK_THAT(std::string(e.what()), tbtest::contains("missing.txt"));
  }
}

TEST_CASE("check_writable_destination", "[atomic_file]") {
  ScratchDir dir{"tb_atomic_file_test"};
  SECTION("a new file in an existing directory is fine") {
    CHECK_NOTHROW(tb::check_writable_destination(dir.path / "report.json"));
    CHECK_NOTHROW(tb::check_writable_destination("relative_report.json"));  // the current directory
    CHECK(dir.entries().empty());  // it does not create anything
  }
  SECTION("an existing file may be replaced") {
    std::ofstream(dir.path / "old.json") << "{}";
    CHECK_NOTHROW(tb::check_writable_destination(dir.path / "old.json"));
  }
  SECTION("a missing directory") {
    const auto file = dir.path / "nope" / "report.json";
    CHECK_THROWS_AS(tb::check_writable_destination(file), tb::UsageError);
    const auto message = usage_error_of([&] { tb::check_writable_destination(file); });
    CHECK_THAT(message, tbtest::contains((dir.path / "nope").string()));
    CHECK_THAT(message, tbtest::contains("does not exist"));
  }
  SECTION("a directory instead of a file name") {
    fs::create_directories(dir.path / "sub");
    CHECK_THROWS_AS(tb::check_writable_destination(dir.path / "sub"), tb::UsageError);
    CHECK_THAT(usage_error_of([&] { tb::check_writable_destination(dir.path / "sub"); }),
               tbtest::contains("is a directory"));
  }
  SECTION("a parent that is a file, not a directory") {
    std::ofstream(dir.path / "plain") << "x";
    CHECK_THROWS_AS(tb::check_writable_destination(dir.path / "plain" / "report.json"), tb::UsageError);
  }
  SECTION("a read-only directory (skipped as root, who may write anywhere)") {
    if (::geteuid() != 0) {
      fs::create_directories(dir.path / "ro");
      fs::permissions(dir.path / "ro", fs::perms::owner_read | fs::perms::owner_exec);
      CHECK_THAT(usage_error_of([&] { tb::check_writable_destination(dir.path / "ro" / "r.json"); }),
                 tbtest::contains("not writable"));
      fs::permissions(dir.path / "ro", fs::perms::owner_all);
    }
  }
}
