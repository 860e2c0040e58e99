// app/tools/book/ladder.cpp: see ladder.hpp.
#include "tools/book/ladder.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cstring>

#include "tools/tap/tick_text.hpp"  // json_escape

namespace ichannel::tools {
namespace {

std::string upper_trimmed(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == ' ' || c == '\0') continue;
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

const char* state_text(std::uint8_t s) {
  switch (s) {
    case 'T':
      return "trading";
    case 'H':
      return "halted";
    case 'P':
      return "paused";
    case 'Q':
      return "quotation only";
    case 0:
      return "state unknown";
    default:
      return "state ?";
  }
}

std::string char_text(std::uint8_t c) {
  return c == 0 ? std::string() : std::string(1, static_cast<char>(c));
}

std::string trimmed(const char* p, std::size_t n) {
  std::string s(p, ::strnlen(p, n));
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

std::uint32_t shown(std::uint32_t present, const LadderOptions& o) {
  return o.depth != 0 && o.depth < present ? o.depth : present;
}

}  // namespace

std::string symbol_text(const BookEntryFixed& e) {
  return trimmed(e.symbol, sizeof e.symbol);
}

std::string price_text(std::int64_t price) {
  const bool neg = price < 0;
  const std::uint64_t a =
      neg ? 0 - static_cast<std::uint64_t>(price) : static_cast<std::uint64_t>(price);
  return fmt::format("{}{}.{:04}", neg ? "-" : "", a / 10'000, a % 10'000);
}

std::string time_text(std::uint64_t ns) {
  const std::uint64_t s = ns / 1'000'000'000;
  return fmt::format("{:02}:{:02}:{:02}.{:09}", s / 3600, s / 60 % 60, s % 60, ns % 1'000'000'000);
}

std::optional<std::uint32_t> resolve_instrument(const BookTableReader& table, std::string_view arg,
                                                std::string& why) {
  if (!arg.empty() && arg.find_first_not_of("0123456789") == std::string_view::npos) {
    if (arg.size() > 6 || std::stoul(std::string(arg)) >= table.instruments()) {
      why =
          fmt::format("locate {} is out of the table's range 0..{}", arg, table.instruments() - 1);
      return std::nullopt;
    }
    return static_cast<std::uint32_t>(std::stoul(std::string(arg)));
  }
  const std::string want = upper_trimmed(arg);
  if (want.empty() || want.size() > 8) {
    why = fmt::format("'{}' is neither a locate nor a symbol (1-8 characters)", arg);
    return std::nullopt;
  }
  BookSnapshot s;
  for (std::uint32_t i = 0; i < table.instruments(); ++i) {
    if (!table.read(i, s) || !s.known()) continue;
    if (upper_trimmed(std::string_view(s.symbol, sizeof s.symbol)) == want) return i;
  }
  why = fmt::format("symbol {} is not in the table (no directory message for it yet)", want);
  return std::nullopt;
}

std::string render_ladder(const BookSnapshot& s, const BookFeedState& feed,
                          std::string_view feed_name, const LadderOptions& o) {
  std::string out;
  const std::string sym = s.known() ? symbol_text(s) : std::string("?");
  out += fmt::format("{}  locate {}  {}{}  seq {}  {}  {}", sym, s.instrument,
                     o.table.empty() ? "" : "table " + o.table + "  ",
                     feed_name.empty() ? std::string("feed ?") : "feed " + std::string(feed_name),
                     s.seq, s.seq == 0 ? std::string("never updated") : time_text(s.exch_ns),
                     state_text(s.trading_state));
  if (s.trading_state == 'H') {
    const std::string reason = trimmed(s.halt_reason, sizeof s.halt_reason);
    if (!reason.empty()) out += " (" + reason + ")";
  }
  if (s.op_halt == 'H') out += "  operational halt";
  if (s.possibly_wrong() || feed.possibly_wrong()) {
    out += feed.possibly_wrong() ? "  POSSIBLY WRONG (feed gap)" : "  POSSIBLY WRONG";
  }
  out += '\n';
  out += fmt::format("orders bid {} ask {}  levels bid {} ask {}", s.bid_orders, s.ask_orders,
                     s.bid_levels, s.ask_levels);
  if (s.reg_sho != 0) out += "  reg sho " + char_text(s.reg_sho);
  if (s.luld_ref != 0 || s.luld_lower != 0 || s.luld_upper != 0) {
    out += fmt::format("  luld {} [{}, {}]", price_text(s.luld_ref), price_text(s.luld_lower),
                       price_text(s.luld_upper));
  }
  out += '\n';
  out += fmt::format("{:<4} {:>14} {:>12} {:>8}\n", "side", "price", "size", "orders");
  const std::uint32_t na = shown(s.ask_depth, o);
  const std::uint32_t nb = shown(s.bid_depth, o);
  if (na == 0) out += "     (no asks)\n";
  for (std::uint32_t k = na; k-- > 0;) {
    out += fmt::format("{:<4} {:>14} {:>12} {:>8}\n", "ask", price_text(s.asks[k].price),
                       s.asks[k].qty, s.asks[k].orders);
  }
  std::string line = na > 0 && nb > 0 ? fmt::format("---- spread {} ",
                                                    price_text(s.asks[0].price - s.bids[0].price))
                                      : std::string("---- ");
  if (line.size() < 41) line.append(41 - line.size(), '-');
  out += line + '\n';
  for (std::uint32_t k = 0; k < nb; ++k) {
    out += fmt::format("{:<4} {:>14} {:>12} {:>8}\n", "bid", price_text(s.bids[k].price),
                       s.bids[k].qty, s.bids[k].orders);
  }
  if (nb == 0) out += "     (no bids)\n";
  return out;
}

std::string render_json(const BookSnapshot& s, const BookFeedState& feed,
                        std::string_view feed_name, const LadderOptions& o) {
  const auto levels = [](const BookLevel* l, std::uint32_t n) {
    std::string a = "[";
    for (std::uint32_t k = 0; k < n; ++k) {
      a += fmt::format("{}{{\"price\":{},\"qty\":{},\"orders\":{}}}", k == 0 ? "" : ",", l[k].price,
                       l[k].qty, l[k].orders);
    }
    return a + "]";
  };
  return fmt::format(
      "{{\"table\":\"{}\",\"feed\":\"{}\",\"instrument\":{},\"symbol\":\"{}\",\"known\":{},"
      "\"seq\":{},\"exch_ns\":{},\"trading_state\":\"{}\",\"halt_reason\":\"{}\","
      "\"reg_sho\":\"{}\",\"op_halt\":\"{}\",\"possibly_wrong\":{},\"feed_possibly_wrong\":{},"
      "\"feed_last_seq\":{},\"sessions\":{},\"bid_orders\":{},\"ask_orders\":{},"
      "\"bid_levels\":{},\"ask_levels\":{},\"luld\":{{\"ref\":{},\"lower\":{},\"upper\":{}}},"
      "\"bids\":{},\"asks\":{}}}",
      json_escape(o.table), json_escape(feed_name), s.instrument, json_escape(symbol_text(s)),
      s.known(), s.seq, s.exch_ns, json_escape(char_text(s.trading_state)),
      json_escape(trimmed(s.halt_reason, sizeof s.halt_reason)), json_escape(char_text(s.reg_sho)),
      json_escape(char_text(s.op_halt)), s.possibly_wrong(), feed.possibly_wrong(), feed.last_seq,
      feed.sessions, s.bid_orders, s.ask_orders, s.bid_levels, s.ask_levels, s.luld_ref,
      s.luld_lower, s.luld_upper, levels(s.bids, shown(s.bid_depth, o)),
      levels(s.asks, shown(s.ask_depth, o)));
}

}  // namespace ichannel::tools
