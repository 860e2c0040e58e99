/* ring.pml: Spin model of the ichannel ring protocol (sender.hpp, receiver.hpp).
 *
 * One sender publishes MSGS messages into a ring of CAP slots; two receivers (one with the
 * "newest" lap policy, one with "oldest") join concurrently (construction scan) and read.
 * The payload is two words written one at a time; message n carries (n, n), so a receiver that
 * accepts a mix of two messages (a torn payload) has w0 != w1 or w0 != its seq.
 * Verified (assertions, all interleavings):
 *   - no receiver ever accepts a torn payload;
 *   - seqs strictly increase (every jump moves forward);
 *   - the loss count is exact: at the end received + lost == messages published since the
 *     receiver's starting seq.
 * Every shared access below is one atomic word access and Spin explores all interleavings under
 * sequential consistency. That the C++ code behaves like this on weak hardware is the job of
 * the fences (release fence before the payload, release store of the clean state, acquire load,
 * acquire fence before the reload); docs/ring.md explains each pairing.
 * Mutants that check.sh expects Spin to refute (so the model is not vacuous): -DMUTANT drops the
 * receiver's state re-check; -DMUTANT_NO_DIRTY drops the sender's dirty mark.
 */
#ifndef CAP
#define CAP 2
#endif
#ifndef MSGS
#define MSGS 6
#endif
#define DIRTY 128
#define SEQ(s) ((s) & 127)

byte state[CAP];
byte w0[CAP];
byte w1[CAP];

proctype Sender() {
  byte n = 1;
  do
  :: n <= MSGS ->
       /* F: release fence (slot n was marked dirty by the previous send's D) */
       w0[n % CAP] = n;                          /* P: payload, one word at a time */
       w1[n % CAP] = n;
       state[n % CAP] = n;                       /* C: commit, release */
#ifndef MUTANT_NO_DIRTY
       state[(n + 1) % CAP] = (n + 1) | DIRTY;   /* D: mark the next slot dirty */
#endif
       n++
  :: else -> break
  od
}

/* newest committed seq from one non-atomic scan of the ring (Receiver::newest_committed).
 * Each d_step is one shared read plus private bookkeeping; locals are reset when done so stale
 * values do not multiply the state space. */
inline scan_newest(newest) {
  i = 0;
  do
  :: i < CAP ->
       d_step {
         s = state[i];
         if
         :: SEQ(s) > mx -> mx = SEQ(s); dirty = ((s & DIRTY) != 0)
         :: else -> skip
         fi;
         s = 0;
         i++
       }
  :: else -> break
  od;
  skip;
  d_step {
    if
    :: dirty -> newest = mx - 1
    :: else -> newest = mx
    fi;
    i = 0; mx = 0; dirty = 0
  }
}

proctype Receiver(bit oldest_policy) {
  byte next, start, received = 0, lost = 0;
  byte s1, s2, a, b, i, mx, s, newest, target;
  bit dirty;

  scan_newest(newest);          /* StartAt::kNext */
  skip;
  d_step { next = newest + 1; start = next; newest = 0 }

  do
  :: next > MSGS -> break
  :: else ->
       s1 = state[next % CAP];                  /* acquire load */
       if
       :: s1 == next ->
            a = w0[next % CAP];                 /* relaxed payload loads */
            b = w1[next % CAP];
            s2 = state[next % CAP];             /* after the acquire fence */
#ifdef MUTANT
            s2 = s1;
#endif
            if
            :: s2 == s1 ->
                 d_step {
                   assert(a == next && b == next); /* never a torn payload */
                   received++;
                   next++;
                   a = 0; b = 0; s1 = 0; s2 = 0
                 }
            :: else -> d_step { a = 0; b = 0; s1 = 0; s2 = 0 }; goto resync  /* overwritten */
            fi
       :: s1 != next && SEQ(s1) <= next -> s1 = 0  /* not yet published: poll again */
       :: SEQ(s1) > next ->                     /* lapped */
            s1 = 0;
resync:
            scan_newest(newest);
            skip;
            d_step {
              if
              :: oldest_policy == 0 -> target = newest
              :: else ->
                   if
                   :: newest >= CAP - 1 -> target = newest - (CAP - 1) + 1
                   :: else -> target = 1
                   fi
              fi;
              if
              :: target < next + 1 -> target = next + 1
              :: else -> skip
              fi;
              assert(target > next);            /* seqs strictly increase */
              lost = lost + (target - next);
              next = target;
              target = 0; newest = 0
            }
       fi
  od;
  assert(received + lost == MSGS + 1 - start)   /* loss count exact */
}

init {
  atomic {
    /* Sender::with_init: all slots "never written", slot of seq 1 marked dirty */
    state[1 % CAP] = 1 | DIRTY;
    run Sender();
    run Receiver(0);
    run Receiver(1)
  }
}
