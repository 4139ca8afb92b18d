// spawn_process / wait_process with real child processes (/bin/sh), and
// ProcessOutcome::describe.
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include <csignal>
#include <thread>

#include "catch.hpp"
#include "test_support.hpp"
#include "util/line_pipe.hpp"
#include "util/subprocess.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

using tbtest::ScratchDir;

namespace {

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

tb::ProcessOutcome run_sh(const ScratchDir& dir, const std::string& script,
                          std::optional<std::chrono::duration<double>> timeout = std::nullopt) {
  const pid_t pid = tb::spawn_process({"/bin/sh", "-c", script}, dir.path / "out.txt", dir.path / "err.txt");
  REQUIRE(pid > 0);
  return tb::wait_process(pid, timeout);
}

}  // namespace

TEST_CASE("a normal exit reports its code", "[subprocess]") {
  ScratchDir dir{"tb_subprocess_test"};
  SECTION("exit 3") {
    const auto outcome = run_sh(dir, "exit 3");
    CHECK(outcome.exited);
    CHECK(outcome.exit_code == 3);
    CHECK_FALSE(outcome.signaled);
    CHECK_FALSE(outcome.timed_out);
    CHECK(outcome.describe() == "exit code 3");
    CHECK(outcome.max_rss_kib > 0);
    CHECK(outcome.wall_seconds >= 0.0);
  }
  SECTION("exit 0, with a timeout that does not trigger") {
    const auto outcome = run_sh(dir, "exit 0", 60s);
    CHECK(outcome.exited);
    CHECK(outcome.exit_code == 0);
    CHECK_FALSE(outcome.timed_out);
    CHECK(outcome.describe() == "exit code 0");
  }
}

TEST_CASE("a child killed by a signal", "[subprocess]") {
  ScratchDir dir{"tb_subprocess_test"};
  const auto outcome = run_sh(dir, "kill -SEGV $$");
  CHECK_FALSE(outcome.exited);
  CHECK(outcome.signaled);
  CHECK(outcome.signal == SIGSEGV);
  CHECK_FALSE(outcome.timed_out);
  CHECK_THAT(outcome.describe(), tbtest::contains("signal 11"));
  CHECK_THAT(outcome.describe(), tbtest::contains("(SIGSEGV)"));
}

TEST_CASE("a child past its timeout is killed", "[subprocess]") {
  ScratchDir dir{"tb_subprocess_test"};
  const auto outcome = run_sh(dir, "exec sleep 30", 0.2s);
  CHECK(outcome.timed_out);
  CHECK_FALSE(outcome.exited);
  CHECK_FALSE(outcome.signaled);  // reported as a timeout, not as our own SIGKILL
  CHECK(outcome.wall_seconds >= 0.2);
  CHECK(outcome.wall_seconds < 30.0);  // it did not sleep to the end
  CHECK_THAT(outcome.describe(), tbtest::contains("timed out after"));
}

TEST_CASE("a set cancel flag kills the child", "[subprocess]") {
  ScratchDir dir{"tb_subprocess_test"};
  const pid_t pid = tb::spawn_process({"/bin/sh", "-c", "exec sleep 30"}, dir.path / "out.txt", dir.path / "err.txt");
  REQUIRE(pid > 0);
  volatile std::sig_atomic_t cancel = 0;
  std::thread setter([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancel = SIGINT;
  });
  const auto outcome = tb::wait_process(pid, std::nullopt, &cancel);
  setter.join();
  CHECK(outcome.cancelled);
  CHECK_FALSE(outcome.timed_out);
  CHECK_FALSE(outcome.exited);
  CHECK_FALSE(outcome.signaled);  // our own SIGKILL is not the child's failure
  CHECK(outcome.wall_seconds < 25);
  CHECK(outcome.describe() == "stopped by an interrupt");
  CHECK(::kill(pid, 0) != 0);  // reaped: the pid no longer exists
}

TEST_CASE("an unset cancel flag changes nothing", "[subprocess]") {
  ScratchDir dir{"tb_subprocess_test"};
  const pid_t pid = tb::spawn_process({"/bin/sh", "-c", "exit 5"}, dir.path / "out.txt", dir.path / "err.txt");
  volatile std::sig_atomic_t cancel = 0;
  const auto outcome = tb::wait_process(pid, std::nullopt, &cancel);
  CHECK(outcome.exited);
  CHECK(outcome.exit_code == 5);
  CHECK_FALSE(outcome.cancelled);
}

TEST_CASE("output goes to the given files, appended", "[subprocess]") {
  ScratchDir dir{"tb_subprocess_test"};
  const auto out = dir.path / "stdout.log";
  const auto err = dir.path / "stderr.log";
  auto run = [&](const std::string& script) {
    const pid_t pid = tb::spawn_process({"/bin/sh", "-c", script}, out, err);
    return tb::wait_process(pid, std::nullopt);
  };
  CHECK(run("echo hello; echo oops >&2").exit_code == 0);
  CHECK(slurp(out) == "hello\n");
  CHECK(slurp(err) == "oops\n");
  CHECK(run("echo again").exit_code == 0);
  CHECK(slurp(out) == "hello\nagain\n");
  SECTION("stdin is /dev/null") {
    // Which file fd 0 is, not whether a read fails: on some machines /dev/null is a
    // regular file that other programs have written to.
    CHECK(run("echo \"stdin=$(readlink /proc/self/fd/0)\"").exit_code == 0);
    CHECK_THAT(slurp(out), tbtest::contains("stdin=/dev/null\n"));
  }
  SECTION("arguments are passed as given, without a shell in between") {
    const pid_t pid = tb::spawn_process({"/bin/sh", "-c", "printf '%s|' \"$@\"", "argv0", "a b", "*", ""}, out, err);
    CHECK(tb::wait_process(pid, std::nullopt).exit_code == 0);
    CHECK_THAT(slurp(out), tbtest::contains("a b|*||"));
  }
}

TEST_CASE("spawning a missing program throws", "[subprocess]") {
  ScratchDir dir{"tb_subprocess_test"};
  CHECK_THROWS_AS(tb::spawn_process({(dir.path / "no_such_program").string()}, dir.path / "o", dir.path / "e"),
                  std::runtime_error);
  try {
    tb::spawn_process({(dir.path / "no_such_program").string()}, dir.path / "o", dir.path / "e");
  } catch (const std::runtime_error& e) {
    CHECK_THAT(std::string(e.what()), tbtest::contains("no_such_program"));
  }
}

TEST_CASE("describe", "[subprocess]") {
  tb::ProcessOutcome o;
  o.exited = true;
  o.exit_code = 7;
  CHECK(o.describe() == "exit code 7");
  tb::ProcessOutcome killed;
  killed.signaled = true;
  killed.signal = SIGABRT;
  CHECK_THAT(killed.describe(), tbtest::contains("signal 6"));
  CHECK_THAT(killed.describe(), tbtest::contains("SIGABRT"));
  tb::ProcessOutcome slow;
  slow.timed_out = true;
  slow.wall_seconds = 30.4;
  CHECK(slow.describe() == "timed out after 30 s");
}

TEST_CASE("current_executable is this test binary", "[subprocess]") {
  const auto exe = tb::current_executable();
  CHECK(exe.is_absolute());
  CHECK(fs::exists(exe));
  CHECK(exe.filename() == "tb_unit_tests");
}

TEST_CASE("spawn_piped_process: commands on stdin, replies on fd 3", "[subprocess]") {
  ScratchDir dir{"tb_piped_test"};
  // Echo each command back on fd 3, prefixed; output on stdout goes to the log, not the pipe.
  auto process = tb::spawn_piped_process(
      {"/bin/sh", "-c", "while read -r line; do echo noise; echo \"got $line\" >&3; done"}, dir.path / "log");
  tb::LineReader replies(process.from_child);
  std::string line;
  REQUIRE(tb::write_line(process.to_child, "one"));
  REQUIRE(replies.read_line(line, 5s) == tb::ReadStatus::line);
  CHECK(line == "got one");
  REQUIRE(tb::write_line(process.to_child, "two"));
  REQUIRE(replies.read_line(line, 5s) == tb::ReadStatus::line);
  CHECK(line == "got two");
  close(process.to_child);  // EOF on its stdin: the loop ends, the child exits
  CHECK(replies.read_line(line, 5s) == tb::ReadStatus::eof);
  close(process.from_child);
  const auto outcome = tb::wait_process(process.pid, 5s);
  CHECK(outcome.exited);
  CHECK(slurp(dir.path / "log") == "noise\nnoise\n");
}

TEST_CASE("LineReader: split lines, timeouts, cancellation, a dead writer", "[subprocess]") {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  tb::LineReader reader(fds[0]);
  std::string line;
  SECTION("a line written in pieces, two lines in one write") {
    REQUIRE(write(fds[1], "hel", 3) == 3);
    CHECK(reader.read_line(line, 50ms) == tb::ReadStatus::timeout);
    REQUIRE(write(fds[1], "lo\nwor", 6) == 6);
    REQUIRE(reader.read_line(line, 1s) == tb::ReadStatus::line);
    CHECK(line == "hello");
    REQUIRE(write(fds[1], "ld\nlast\n", 8) == 8);
    REQUIRE(reader.read_line(line, 1s) == tb::ReadStatus::line);
    CHECK(line == "world");
    REQUIRE(reader.read_line(line, 1s) == tb::ReadStatus::line);
    CHECK(line == "last");
  }
  SECTION("a cancel flag stops the wait") {
    volatile std::sig_atomic_t cancel = 1;
    CHECK(reader.read_line(line, 10s, &cancel) == tb::ReadStatus::cancelled);
  }
  SECTION("a writer gone before a full line is EOF") {
    REQUIRE(write(fds[1], "partial", 7) == 7);
    close(fds[1]);
    fds[1] = -1;
    CHECK(reader.read_line(line, 1s) == tb::ReadStatus::eof);
  }
  SECTION("write_line to a closed reader fails instead of killing the process") {
    std::signal(SIGPIPE, SIG_IGN);
    close(fds[0]);
    fds[0] = -1;
    CHECK_FALSE(tb::write_line(fds[1], "nobody listens"));
  }
  for (int fd : fds) {
    if (fd >= 0) close(fd);
  }
}
