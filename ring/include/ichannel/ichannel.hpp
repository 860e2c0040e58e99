// ichannel/ichannel.hpp: umbrella header of the ichannel broadcast ring (the seed's API).
//
// Contract
// - Message<T>: one slot (message.hpp). Sender<T>: the single producer (sender.hpp).
//   Receiver<T>, Received<T>, View<T>: readers with private cursors (receiver.hpp). Idle
//   policies for spinning (idle.hpp). Named shared-memory channels (channel.hpp), whose cold
//   code lives in the ichannel library that `dependency('ichannel')` links.
// - In process:
//     std::vector<ichannel::Message<Tick>> buf(4096);
//     auto tx = ichannel::Sender<Tick>::with_init(buf);
//     ichannel::Receiver<Tick> rx(buf);            // any number, on any threads
//     tx.send(tick);   auto [seq, t] = rx.recv();  rx.lost();
// - Across processes: ProducerChannel<T>::create / ReceiverChannel<T>::attach (channel.hpp).
#pragma once

#include <ichannel/channel.hpp>
#include <ichannel/idle.hpp>
#include <ichannel/message.hpp>
#include <ichannel/receiver.hpp>
#include <ichannel/sender.hpp>
