// tests/ring/test_user.hpp: what the process tests of the ring need to play a second local user:
// a uid made for the suite (useradd; userdel at the end, also from atexit if the suite is cut
// short) and a forked child that runs a function as that uid.
//
// Contract
// - make_user(user, prefix, at_exit): root only (false otherwise or when useradd fails); the
//   name is prefix + the pid; at_exit (a function removing `user`) is registered once made.
// - in_child(fn, uid, gid): fn's return value as the child's exit status (0..255), -1 when the
//   child could not run or did not exit; 99 when it could not drop to uid/gid.
// - Test-only: std::system, fork, passwd lookups.
#pragma once

#include <grp.h>
#include <pwd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <string>

namespace ichannel::test {

struct TestUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  bool made = false;
};

inline void remove_user(TestUser& u) {
  if (!u.made) return;
  const std::string cmd = "userdel " + u.name + " >/dev/null 2>&1";
  (void)std::system(cmd.c_str());
  u.made = false;
}

inline bool make_user(TestUser& u, const std::string& prefix, void (*at_exit)()) {
  if (u.made) return true;
  if (::geteuid() != 0) return false;
  u.name = prefix + std::to_string(::getpid() % 100000);
  const std::string cmd = "useradd -M -N -r -s /usr/sbin/nologin " + u.name + " >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) return false;
  u.made = true;
  std::atexit(at_exit);
  const passwd* pw = ::getpwnam(u.name.c_str());
  if (pw == nullptr) return false;
  u.uid = pw->pw_uid;
  u.gid = pw->pw_gid;
  return true;
}

inline int in_child(const std::function<int()>& fn, uid_t uid = static_cast<uid_t>(-1),
                    gid_t gid = static_cast<gid_t>(-1)) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (uid != static_cast<uid_t>(-1)) {
      if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) ::_exit(99);
    }
    ::_exit(fn());
  }
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace ichannel::test
