// snapshot/glimpse_client.hpp: the GLIMPSE 5.0 snapshot client (cold path, kernel TCP socket).
//
// Contract
// - GlimpseClient::run() is blocking and runs on the caller's thread (a control thread; never
//   the RX loop): connect (non-blocking connect, connect_timeout_s), SoupBinTCP login for
//   sequence 1 with the given credentials, read the snapshot up to End of Snapshot ('G'), send
//   Logout, close. Each sequenced message is decoded (feed/glimpse50.hpp) and normalized into a
//   Tick handed to on_tick: seq = the message's SoupBinTCP sequence number in the snapshot
//   (1, 2, ...), feed = options.feed, flags 0, recv_ns = CLOCK_REALTIME at the read; the 'G'
//   tick (kStatus aux 'G', order_id = next TotalView sequence) comes last.
// - Heartbeats: a client heartbeat 'R' after heartbeat_interval_s without sending; the server
//   is dropped after server_timeout_s without receiving a byte (default 15 s). total_timeout_s
//   (> 0) bounds the whole run.
// - Every failure is a typed SnapshotOutcome (error + message naming the server and the reason):
//   connect refused / unreachable, connect timeout, login rejected (with the server's reason
//   code), silent server, connection closed midway (after N messages), malformed stream
//   (framing error, undecodable message), protocol (a packet out of place: data before the
//   login was accepted, end of session before End of Snapshot), stopped by the caller.
//   Credentials never appear in a message, a log or a counter.
// - Counters (GlimpseCounters) are relaxed atomics written by run()'s thread and readable from
//   any thread (statistics; nothing is published through them).
// - load_credentials(): from a file holding one line `user:password` (regular file, not a
//   symlink, not readable or writable by group or others), or with an empty path from the
//   environment ICHANNEL_GLIMPSE_USER / ICHANNEL_GLIMPSE_PASSWORD. SoupBinTCP widths: user at
//   most 6, password at most 10 characters.
// - Allocates (socket buffers, strings); no DPDK, no daemon dependency.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <ichannel/result.hpp>
#include <ichannel/tick.hpp>

namespace ichannel::snapshot {

struct Credentials {
  std::string username;
  std::string password;
};

inline constexpr const char* kUserEnv = "ICHANNEL_GLIMPSE_USER";
inline constexpr const char* kPasswordEnv = "ICHANNEL_GLIMPSE_PASSWORD";

Result<Credentials> credentials_from_file(const std::string& path);
Result<Credentials> credentials_from_environment();
// path non-empty: the file; else the environment.
Result<Credentials> load_credentials(const std::string& path);

enum class SnapshotError : std::uint8_t {
  kNone = 0,
  kConnect,         // refused, unreachable, bad address
  kConnectTimeout,  // no connection within connect_timeout_s
  kLoginRejected,   // 'J': reject_reason says why
  kServerTimeout,   // nothing received for server_timeout_s (or total_timeout_s passed)
  kDisconnected,    // the server closed (or reset) the connection before End of Snapshot
  kMalformed,       // SoupBinTCP framing error or a message that does not decode
  kProtocol,        // a packet out of place (data before login accepted, 'Z' before 'G', ...)
  kStopped,         // the caller's stop flag
};

[[nodiscard]] std::string_view to_string(SnapshotError e) noexcept;

struct SnapshotOutcome {
  SnapshotError error = SnapshotError::kNone;
  std::string message;              // empty on success
  std::uint64_t next_sequence = 0;  // End of Snapshot: next TotalView-ITCH sequence (0: none)
  std::uint64_t messages = 0;       // sequenced messages received ('G' included)
  std::uint64_t orders = 0;         // Add Order messages (A/F) among them
  std::string session;              // SoupBinTCP session of the login accepted
  char reject_reason = 0;           // kLoginRejected: 'A' not authorized, 'S' no session
  double seconds = 0;               // connect to End of Snapshot (or failure)
  double first_message_seconds = 0;  // connect to the first snapshot message (the server's wait)
  [[nodiscard]] bool ok() const noexcept { return error == SnapshotError::kNone; }
};

struct GlimpseClientOptions {
  std::string host = "127.0.0.1";  // IPv4 address or host name
  std::uint16_t port = 0;
  Credentials credentials;
  std::string session;  // requested session; empty: any (blank)
  double connect_timeout_s = 5;
  double heartbeat_interval_s = 1;
  double server_timeout_s = 15;
  double total_timeout_s = 0;  // > 0: bound of the whole run
  std::size_t max_packet = 4096;
  std::uint8_t feed = 0;  // Tick::feed of the ticks handed out
};

struct GlimpseCounters {
  std::atomic<std::uint64_t> attempts{0};          // run() calls
  std::atomic<std::uint64_t> connect_failures{0};  // kConnect
  std::atomic<std::uint64_t> connect_timeouts{0};
  std::atomic<std::uint64_t> logins_rejected{0};
  std::atomic<std::uint64_t> server_timeouts{0};
  std::atomic<std::uint64_t> disconnects{0};  // closed midway
  std::atomic<std::uint64_t> malformed{0};    // framing errors and undecodable messages
  std::atomic<std::uint64_t> protocol_errors{0};
  std::atomic<std::uint64_t> long_messages{0};  // known type longer than its spec (counted, used)
  std::atomic<std::uint64_t> snapshots{0};      // completed (End of Snapshot reached)
  std::atomic<std::uint64_t> packets{0};        // SoupBinTCP packets received
  std::atomic<std::uint64_t> messages{0};       // sequenced messages received
  std::atomic<std::uint64_t> bytes{0};          // bytes received
  std::atomic<std::uint64_t> heartbeats_sent{0};
  std::atomic<std::uint64_t> heartbeats_received{0};
  std::atomic<std::uint64_t> debug_packets{0};
};

class GlimpseClient {
 public:
  explicit GlimpseClient(GlimpseClientOptions options);

  // Fetches one snapshot; see the contract. `stop` (optional) is polled at least every 50 ms
  // (relaxed load; it only ends the run).
  SnapshotOutcome run(const std::function<void(const Tick&)>& on_tick,
                      const std::atomic<bool>* stop = nullptr);

  [[nodiscard]] const GlimpseCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const GlimpseClientOptions& options() const noexcept { return options_; }

 private:
  GlimpseClientOptions options_;
  GlimpseCounters counters_;
};

}  // namespace ichannel::snapshot
