// ChildProcess (programs/cli/child_process.hpp), the runner of the job agent's command, with real
// /bin/sh processes: the input on stdin (larger than a pipe's buffer, so written in parts), the
// exit status, the environment, a command that never reads its input, SIGTERM to the whole
// process group, and the destructor's kill. Every wait is bounded.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "child_process.hpp"

namespace iotlite::cli {
namespace {

// Polls until the command ended; false after 10 s.
bool wait_exit(ChildProcess& child) {
    for (int i = 0; i < 1000; ++i) {
        if (child.poll()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

std::unique_ptr<ChildProcess> spawn(const std::string& command, std::string input = {},
                                    std::vector<std::pair<std::string, std::string>> env = {}) {
    Result<std::unique_ptr<ChildProcess>> made = ChildProcess::spawn(command, std::move(input), env);
    EXPECT_TRUE(made.ok()) << made.error().message;
    return made.ok() ? std::move(made.value()) : nullptr;
}

TEST(ChildProcess, InputLargerThanThePipe_ReachesTheCommandWhole) {
    std::string input(300000, 'x');  // a Linux pipe holds 64 KiB
    input.back() = '\n';
    auto child = spawn("[ \"$(wc -c)\" -eq 300000 ]", input);
    ASSERT_TRUE(child);
    ASSERT_TRUE(wait_exit(*child));
    EXPECT_EQ(child->exit_code(), 0);
    EXPECT_FALSE(child->signal());
}

TEST(ChildProcess, ExitStatus_Reported) {
    auto child = spawn("exit 7");
    ASSERT_TRUE(child);
    ASSERT_TRUE(wait_exit(*child));
    EXPECT_EQ(child->exit_code(), 7);
}

TEST(ChildProcess, Environment_ValuesGivenVerbatimNotAsShellSyntax) {
    auto child = spawn("[ \"$IOTLITE_JOB_ID\" = 'a $(false) b' ] && [ -n \"$PATH\" ]", "",
                       {{"IOTLITE_JOB_ID", "a $(false) b"}});
    ASSERT_TRUE(child);
    ASSERT_TRUE(wait_exit(*child));
    EXPECT_EQ(child->exit_code(), 0);
}

TEST(ChildProcess, CommandIgnoresItsInput_NoSigpipeHere) {
    auto child = spawn("exit 0", std::string(1 << 20, 'y'));
    ASSERT_TRUE(child);
    ASSERT_TRUE(wait_exit(*child));
    EXPECT_EQ(child->exit_code(), 0);
}

TEST(ChildProcess, Terminate_EndsTheShellAndItsChildren) {
    auto child = spawn("sleep 30 & wait");
    ASSERT_TRUE(child);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_FALSE(child->poll());
    child->terminate();
    ASSERT_TRUE(wait_exit(*child));
    EXPECT_EQ(child->signal(), SIGTERM);
    EXPECT_FALSE(child->exit_code());
}

TEST(ChildProcess, SigtermIgnored_KillEndsIt) {
    auto child = spawn("trap '' TERM; sleep 30 & wait; wait");
    ASSERT_TRUE(child);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    child->terminate();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_FALSE(child->poll()) << "SIGTERM is ignored";
    child->kill();
    ASSERT_TRUE(wait_exit(*child));
    EXPECT_EQ(child->signal(), SIGKILL);
}

TEST(ChildProcess, DestroyedWhileRunning_KilledAndReaped) {
    auto child = spawn("sleep 30");
    ASSERT_TRUE(child);
    const pid_t pid = child->pid();
    child.reset();
    errno = 0;
    EXPECT_EQ(::kill(pid, 0), -1);
    EXPECT_EQ(errno, ESRCH);
}

}  // namespace
}  // namespace iotlite::cli
