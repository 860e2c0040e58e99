// tests/snapshot/reference_orders.hpp: the reference order set of a generated session, in
// plain std containers, from the generator's expected ticks (not from the GLIMPSE server's
// model): what a snapshot at a message boundary must contain.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include <ichannel/tick.hpp>

namespace ichannel::test {

struct RefOrder {
  std::uint64_t priority;
  std::uint16_t instrument;
  Side side;
  std::int64_t price;
  std::uint32_t qty;
  friend bool operator==(const RefOrder&, const RefOrder&) = default;
};

// The generator's live orders after every message below `next`, from its expected ticks.
inline std::map<std::uint64_t, RefOrder> reference_orders(const std::vector<Tick>& ticks,
                                                          std::uint64_t next) {
  std::map<std::uint64_t, RefOrder> book;
  auto reduce = [&](std::uint64_t ref, std::uint32_t q) {
    auto it = book.find(ref);
    if (it == book.end()) return;
    if (q >= it->second.qty)
      book.erase(it);
    else
      it->second.qty -= q;
  };
  for (const Tick& t : ticks) {
    if (t.seq >= next) break;
    switch (t.action) {
      case Action::kAdd:
        book[t.order_id] = {t.seq, t.instrument, t.side, t.price, t.qty};
        break;
      case Action::kReplace: {
        auto it = book.find(t.order_id);
        if (it == book.end()) break;
        RefOrder o = it->second;
        book.erase(it);
        o.priority = t.seq;
        o.price = t.price;
        o.qty = t.qty;
        book[t.aux] = o;
        break;
      }
      case Action::kCancel:
      case Action::kExecute:
      case Action::kExecuteWithPrice:
        reduce(t.order_id, t.qty);
        break;
      case Action::kDelete:
        book.erase(t.order_id);
        break;
      default:
        break;
    }
  }
  return book;
}

}  // namespace ichannel::test
