// tests/bench/ring/iceoryx_contender.hpp: iceoryx 2.0 (Debian) as the cross-process peer.
//
// Contract
// - with_roudi(body) starts the RouDi daemon (`iox-roudi` from PATH, log in
//   $TMPDIR/ringbench-roudi-<pid>.log), waits until it is ready for clients, runs body() in a
//   forked child, then stops RouDi (SIGTERM) and reaps both. The benchmark runs in that child
//   because RouDi, when stopped, SIGTERMs every process still registered with it: the child has
//   exited (and deregistered) by then. Throws with the reason if RouDi does not start.
// - IceoryxSession registers the calling process as an iceoryx runtime (once per process, inside
//   with_roudi's body) and numbers the rounds (fresh topics each round).
// - iceoryx_contender(session): ping-pong and throughput of 56-byte Ticks through typed
//   publishers/subscribers (loan + publish, busy polling take(); blocking policies so nothing is
//   dropped). The peer side is this program re-executed (`kIceoryxEchoCommand`) so that it gets
//   its own iceoryx runtime; it is pinned to the peer core and reports through the shared
//   Control block (memfd inherited across exec).
// - Throughput streams at most 200000 messages per round (iceoryx is ~50x slower than the rest).
// - Subscriber queues hold at most iceoryx's compile-time maximum (256 in the Debian build), so
//   the capacity is min(--capacity, that maximum).
#pragma once

#include <functional>
#include <string>

#include "tests/bench/ring/contender.hpp"

namespace ringbench {

inline constexpr const char* kIceoryxEchoCommand = "__iceoryx_peer";

int with_roudi(const std::function<int()>& body);

class IceoryxSession {
 public:
  explicit IceoryxSession(std::string self_exe);
  IceoryxSession(const IceoryxSession&) = delete;
  IceoryxSession& operator=(const IceoryxSession&) = delete;

  const std::string& self_exe() const noexcept { return self_exe_; }
  int next_round() noexcept { return round_++; }

 private:
  std::string self_exe_;
  int round_ = 0;
};

Contender iceoryx_contender(IceoryxSession& session);

// Entry point of the re-executed peer: argv = self, kIceoryxEchoCommand, mode (ping|thr),
// message count, Control memfd, round id.
int iceoryx_echo_main(int argc, char** argv);

}  // namespace ringbench
