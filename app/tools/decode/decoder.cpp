// tools/decode/decoder.cpp: see decoder.hpp.
#include "tools/decode/decoder.hpp"

#include <fmt/format.h>

#include <limits>
#include <stdexcept>

#include "daemon/control/wiring.hpp"
#include "tools/tap/tick_digest.hpp"

namespace ichannel::tools {
namespace {

DecodeLine line_of(const config::Line& l) {
  DecodeLine d;
  d.group = l.group;
  d.port = l.port;
  d.vlan = l.vlan ? std::int32_t{*l.vlan} : daemon::kAnyVlan;
  d.source = l.source.value_or(daemon::kAnySource);
  return d;
}

daemon::RouteKey key_of(const DecodeLine& l) {
  daemon::RouteKey k;
  k.port_index = 0;
  k.udp_port = l.port;
  k.group = l.group;
  k.vlan = l.vlan;
  k.source = l.source;
  return k;
}

void line_json(std::string& o, const feed::LineCounters& l) {
  o += fmt::format(
      "{{\"packets\":{},\"messages\":{},\"gaps\":{},\"gap_messages\":{},\"duplicates\":{},"
      "\"late_copies\":{},\"held\":{},\"malformed\":{},\"heartbeats\":{},\"end_of_session\":{},"
      "\"unknown_type\":{},\"bad_length\":{},\"stale_session\":{},\"suspect\":{},"
      "\"seq_zero\":{},\"too_large\":{},\"next_seq\":{}}}",
      l.packets, l.messages, l.gaps, l.gap_messages, l.duplicates, l.late_copies, l.held,
      l.malformed, l.heartbeats, l.end_of_session, l.unknown_type, l.bad_length, l.stale_session,
      l.suspect, l.seq_zero, l.too_large, l.next_seq);
}

}  // namespace

std::vector<DecodeFeed> feeds_from_config(const config::Config& config, const std::string& only,
                                          std::string& error) {
  std::vector<DecodeFeed> out;
  for (const config::Feed& f : config.feeds) {
    if (!only.empty() && f.name != only) continue;
    DecodeFeed d;
    d.name = f.name;
    d.a = line_of(f.a);
    if (f.b) d.b = line_of(*f.b);
    d.sequencer = daemon::sequencer_config(f);
    d.sequencer.recovery = false;  // a capture cannot answer re-requests
    out.push_back(std::move(d));
  }
  if (out.empty()) {
    error = only.empty() ? config.source + ": no feeds"
                         : config.source + ": no feed named '" + only + "'";
  }
  return out;
}

std::uint64_t Decoder::Sender::send(const Tick& t) noexcept {
  ++sent;
  const auto a = static_cast<std::size_t>(t.action);
  ++per_action[a < per_action.size() ? a : 0];
  if (!decoder->limit_reached()) {
    ++decoder->emitted_;
    if (decoder->on_tick_) decoder->on_tick_(feed, t);
  }
  return sent;
}

Decoder::Decoder(std::vector<DecodeFeed> feeds, std::vector<std::string> symbols,
                 std::uint64_t limit, OnTick on_tick)
    : feeds_(std::move(feeds)),
      limit_(limit),
      on_tick_(std::move(on_tick)),
      pipeline_(std::make_unique<Pipeline>()) {
  for (std::size_t f = 0; f < feeds_.size(); ++f) {
    const DecodeFeed& df = feeds_[f];
    auto sender = std::make_unique<Sender>();
    sender->decoder = this;
    sender->feed = f;
    const auto slot = static_cast<std::uint16_t>(pipeline_->feed_count());
    Pipeline::Feed& pf = pipeline_->add_feed({-1, -1}, -1, df.sequencer);
    if (!pf.handler->sink().ticks().add_output(*sender, f, pf.handler->symbols(), symbols)) {
      throw std::invalid_argument("feed " + df.name + ": cannot add the output");
    }
    senders_.push_back(std::move(sender));
    if (!pipeline_->add_line(key_of(df.a), slot, 0)) {
      throw std::invalid_argument("feed " + df.name +
                                  ": line A is a duplicate of another line (or too many lines)");
    }
    if (df.b && !pipeline_->add_line(key_of(*df.b), slot, 1)) {
      throw std::invalid_argument("feed " + df.name +
                                  ": line B is a duplicate of another line (or too many lines)");
    }
  }
}

Decoder::~Decoder() = default;

void Decoder::on_frame(std::span<const std::uint8_t> frame, std::uint64_t epoch_ns) {
  if (limit_reached()) return;
  ++frames_;
  ++rx_.packets;
  if (epoch_ns > last_ns_) last_ns_ = epoch_ns;
  pipeline_->on_timer(epoch_ns);
  pipeline_->on_frame(frame, 0, epoch_ns, rx_);
}

void Decoder::finish() {
  // Far enough ahead that every window, suspect and session timer has run out; a few rounds in
  // case one deadline's release arms the next.
  std::uint64_t t = last_ns_;
  for (int i = 0; i < 4; ++i) {
    t += std::uint64_t{3600} * 1'000'000'000;
    pipeline_->on_timer(t);
  }
}

feed::FeedCounters Decoder::counters(std::size_t feed) const {
  return pipeline_->feed(feed).handler->counters();
}

std::uint64_t Decoder::filtered(std::size_t feed) const {
  return pipeline_->feed(feed).handler->sink().ticks().filtered(0);
}

std::string Decoder::counts_json() const {
  std::string o =
      fmt::format("{{\"frames\":{},\"unrouted\":{},\"rejected_total\":{},\"rejected\":{{", frames_,
                  rx_.unrouted, rx_.rejected_total);
  const std::vector<std::string> reasons = daemon::reject_reason_names();
  for (std::size_t r = 0; r < reasons.size() && r < rx_.rejected.size(); ++r) {
    o += fmt::format("{}\"{}\":{}", r == 0 ? "" : ",", reasons[r], rx_.rejected[r]);
  }
  o += fmt::format("}},\"ticks\":{},\"feeds\":[", emitted_);
  for (std::size_t f = 0; f < feeds_.size(); ++f) {
    const feed::FeedCounters c = counters(f);
    const Sender& s = *senders_[f];
    o += fmt::format(
        "{}{{\"name\":\"{}\",\"ticks\":{},\"published\":{},\"filtered\":{},\"dropped_types\":{},"
        "\"gaps\":{},\"gap_messages\":{},\"session_changes\":{},\"holes\":{},\"held_now\":{},"
        "\"store_full\":{},\"suspect_confirmed\":{},\"suspect_expired\":{},\"actions\":{{",
        f == 0 ? "" : ",", feeds_[f].name, c.ticks, s.sent, filtered(f), c.dropped_types, c.gaps,
        c.gap_messages, c.session_changes, c.holes, c.held_now, c.store_full, c.suspect_confirmed,
        c.suspect_expired);
    bool first = true;
    for (std::size_t a = 1; a < kActionCount; ++a) {
      o += fmt::format("{}\"{}\":{}", first ? "" : ",", action_name(static_cast<Action>(a)),
                       s.per_action[a]);
      first = false;
    }
    o += "},\"by_type\":{";
    first = true;
    for (std::size_t t = 0; t < c.by_type.size(); ++t) {
      if (c.by_type[t] == 0) continue;
      const char ch = static_cast<char>(t);
      const bool printable = t > 0x20 && t < 0x7f && ch != '"' && ch != '\\';
      o += fmt::format("{}\"{}\":{}", first ? "" : ",",
                       printable ? std::string(1, ch) : fmt::format("0x{:02x}", t), c.by_type[t]);
      first = false;
    }
    o += "},\"lines\":{\"a\":";
    line_json(o, c.line[0]);
    if (feeds_[f].b) {
      o += ",\"b\":";
      line_json(o, c.line[1]);
    }
    o += "}}";
  }
  o += "]}";
  return o;
}

}  // namespace ichannel::tools
