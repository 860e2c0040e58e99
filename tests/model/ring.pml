/* ring.pml: Spin model of the ichannel ring protocol (sender.hpp, receiver.hpp) under a weak
 * memory model in which each C++ ordering the code uses is needed.
 *
 * What runs: one sender publishes MSGS messages into a ring of CAP slots; one receiver joins
 * concurrently (construction scan) with a lap policy (kNewest/kOldest) and a start position
 * (kNext/kOldest) chosen nondeterministically, and reads. The payload is two words; message n
 * carries (n, n), so an accepted copy that mixes two messages, or holds older data, has
 * w0 != n or w1 != n. One receiver per run is enough: receivers never write shared memory and
 * every property is a property of one receiver, so a second receiver only multiplies states.
 *
 * The memory model (PSO-like stores, reordered loads, C++ release/acquire as constraints):
 * - Memory is the array mem; a load returns the value mem holds when the load is performed.
 * - The sender's stores go into a store buffer and become visible (Drain) one at a time, in any
 *   order except: two stores to the same location keep their order (coherence); a release store
 *   (C) becomes visible only after every older store (its payload); after a release fence (F) no
 *   store becomes visible before every store older than the fence. Relaxed stores to different
 *   locations overtake each other, and may overtake an older release store (D overtakes C).
 *   The sender never loads, so when a store enters the buffer is invisible: one send enters it
 *   in one step, and F is "wait until the buffer is empty" (the same visible behaviours).
 * - The receiver performs the four loads of one try_recv attempt (s1, w0, w1, s2) in any order
 *   except: the acquire load s1 before every later load; the acquire fence after every earlier
 *   load (s1, w0, w1) and before every later one (s2). The payload is loaded only because
 *   s1 == next; a C++ control dependency orders nothing, so a load performed before s1 is
 *   speculative: if s1 turns out not to be next, the attempt discards it.
 * Verified (assertions, every reachable state):
 *   - no receiver ever accepts a torn or stale payload (the orderings are sufficient here);
 *   - seqs strictly increase (every jump moves forward);
 *   - the loss count is exact: at the end received + lost == messages published since the
 *     receiver's starting seq.
 * Mutants that check.sh expects Spin to refute with a torn payload (each ordering is needed):
 *   -DMUT_NO_F          F removed (a relaxed fence is no fence): w0/w1 of send(n+CAP) become
 *                       visible before its dirty mark D; a receiver copying message n reads one
 *                       new word and re-reads a clean state n.
 *   -DMUT_C_RELAXED     C relaxed: the clean state n is visible before payload n; the receiver
 *                       reads the slot's old word.
 *   -DMUT_S1_RELAXED    s1 relaxed: a payload word is loaded before s1 (speculatively), still old;
 *                       s1 and s2 then read n.
 *   -DMUT_NO_ACQ_FENCE  no acquire fence: s2 is performed before a payload load, which then
 *                       reads a word of send(n+CAP).
 *                       Making s2 an acquire load instead is the same mutant here: an acquire
 *                       load orders what follows it, not the payload loads before it.
 *   -DMUT_D_RELEASE     F replaced by making D a release store: D then waits for the stores
 *                       before it, but the payload after it may still overtake it (as no F).
 *   -DMUT_NO_RECHECK    the receiver does not compare s2 with s1 (protocol mutant).
 *   -DMUT_NO_DIRTY      the sender never marks a slot dirty (protocol mutant).
 *   -DMUT_NO_END_MARK   a SenderBurst ends without its mark E (protocol mutant; capacity 4: a
 *                       Sender::send after the burst marks n + 2, so n + 1 is rewritten clean).
 * Control: -DTSO is x86-TSO instead (stores become visible in program order, loads performed in
 * program order). With all four ordering mutants at once it passes: x86 hardware gives these
 * orders for free, which is why no x86 test can catch a missing fence (only a compiler that
 * reorders could); the protocol mutants are refuted under TSO too.
 * Where the model is stronger than C++ (what a pass does not prove):
 *   - Stores become visible to every reader at once (multi-copy atomic, like x86 and ARMv8, not
 *     POWER). A run has one reader and every property is that reader's, so this is not expected
 *     to hide a behaviour, but the model does not show it.
 *   - Loads of different attempts and of the scans are performed in program order. In C++
 *     only s2 (relaxed, after the fence) may be performed later, past the next attempt's loads
 *     (up to that attempt's fence). A slot's state never takes the same value twice (its seq
 *     only grows), so an s2 that reads s1's value late would have read it in order too; an s2
 *     that differs sends the receiver to resync, whose scan only picks a target clamped to
 *     > next (the torn-payload check does not depend on it; the loss identity holds for any
 *     target).
 *   - try_peek + validate/consume (the View path) does the same loads and fence as try_recv and
 *     is not modelled separately. Each 8-byte access is atomic (std::atomic_ref), not modelled.
 *   - Bounded: MSGS messages, CAP 2 and 4 in check.sh (D one slot ahead at CAP 2, two at CAP
 *     4, as dirty_ahead() in message.hpp), a 2-word payload. With F the buffer
 *     never holds more than one send's four stores; only the -DMUT_NO_F mutant needs a bound
 *     (QMAX: two sends, the sender waits for room), which only removes mutant behaviours.
 * printf statements run only when a trail is replayed (spin -t), never during the search.
 */
#ifndef CAP
#define CAP 2
#endif
#ifndef MSGS
#define MSGS 6
#endif
#ifdef MUT_D_RELEASE
#define MUT_NO_F        /* F replaced by a release D */
#define D_REL 1
#else
#define D_REL 0
#endif
#ifdef MUT_NO_F
#define QMAX 10         /* no fence drains the buffer: two sends may be pending */
#else
#define QMAX 5          /* F empties the buffer: one send's stores (five with a burst's end) */
#endif
#define DIRTY 128
#define SEQ(s) ((s) & 127)
/* dirty_ahead(CAP) (message.hpp): send(n) marks the slot of n + AHEAD dirty */
#if CAP >= 4
#define AHEAD 2
#else
#define AHEAD 1
#endif

/* locations: the state word and the two payload words of each slot */
#define ST(k) (k)
#define W0(k) (CAP + (k))
#define W1(k) (2 * CAP + (k))

byte mem[3 * CAP];      /* memory: what a load performed now returns */

/* The sender's store buffer, oldest first: location, value, release flag. */
byte qloc[QMAX];
byte qval[QMAX];
bit qrel[QMAX];
byte qn;                /* entries in use */
short elig;             /* bit i: entry i may drain now (derived from the queue) */

/* elig: entry i may leave the buffer iff no older entry is for the same location (coherence)
 * and, if it is a release store, no older entry is pending at all. */
inline recompute() {
#ifdef TSO
  elig = (qn > 0);      /* x86: stores leave the buffer in program order */
#else
  elig = 0;
  qi = 0;
  do
  :: qi < qn ->
       qok = 1;
       qj = 0;
       do
       :: qj < qi ->
            if
            :: qrel[qi] || qloc[qj] == qloc[qi] -> qok = 0
            :: else -> skip
            fi;
            qj++
       :: else -> break
       od;
       if
       :: qok -> elig = elig | (1 << qi)
       :: else -> skip
       fi;
       qi++
  :: else -> break
  od;
  qi = 0; qj = 0; qok = 0
#endif
}

inline push(l, v, r) {
  qloc[qn] = l; qval[qn] = v; qrel[qn] = r; qn++
}

#ifdef MUT_C_RELAXED
#define C_REL 0
#else
#define C_REL 1
#endif

/* Sender::send. The sender performs no loads, so the moment a store enters the buffer is
 * invisible to everyone: one send's stores enter it in one step; only drains are observable.
 * F (release fence) forbids any later store to become visible before an earlier one; since the
 * sender has nothing else to do, waiting for the buffer to drain (qn == 0) is equivalent. */
/* Each send is, nondeterministically, a Sender::send (D at n + AHEAD) or a SenderBurst::send
 * (D at n + 1), the last of a burst adding its end mark E at n + 2; at AHEAD 1 they are one and
 * the same. A burst, once open, continues or ends (no Sender::send inside it). */
proctype Sender() {
  byte n = 1;
  byte qi, qj;
  bit qok;
  bit burst;                    /* a SenderBurst is open */
  byte mode;                    /* 2 Sender::send, 1 burst send, 3 burst send + end */
  do
  :: n <= MSGS ->
       if
       :: AHEAD == 1 -> mode = 1
       :: AHEAD == 2 && !burst -> mode = 2
       :: AHEAD == 2 -> mode = 1
       :: AHEAD == 2 -> mode = 3
       fi;
       d_step {
#ifdef MUT_NO_F
         qn + 5 <= QMAX ->
#else
         qn == 0 ->                                 /* F: fence(release) */
#endif
         push(W0(n % CAP), n, 0);                   /* P: payload words, relaxed */
         push(W1(n % CAP), n, 0);
         push(ST(n % CAP), n, C_REL);               /* C: clean state, release */
#ifndef MUT_NO_DIRTY
         if
         :: mode == 2 -> push(ST((n + 2) % CAP), (n + 2) | DIRTY, D_REL)  /* D two ahead */
         :: mode != 2 -> push(ST((n + 1) % CAP), (n + 1) | DIRTY, D_REL)  /* D one ahead */
         fi;
         if
#ifndef MUT_NO_END_MARK
         :: mode == 3 -> push(ST((n + 2) % CAP), (n + 2) | DIRTY, 0)      /* E: burst ends */
#endif
         :: else -> skip
         fi;
#endif
         burst = (AHEAD == 2 && mode == 1);
         printf("SENDER   send(%d) mode %d stores buffered\n", n, mode);
         n++;
         mode = 0;
         recompute()
       }
  :: n > MSGS -> break             /* not "else": that would also fire while F waits */
  od
}

/* printf runs only in trail replay (spin -t), never during the search: no state cost */
inline show_store(l, v) {
  if
  :: l < CAP && (v & DIRTY) -> printf("MEM      state[%d] := %d dirty\n", l, SEQ(v))
  :: l < CAP && !(v & DIRTY) -> printf("MEM      state[%d] := %d\n", l, v)
  :: l >= CAP && l < 2 * CAP -> printf("MEM      w0[%d] := %d\n", l - CAP, v)
  :: else -> printf("MEM      w1[%d] := %d\n", l - 2 * CAP, v)
  fi
}

/* The memory system: any eligible buffered store becomes visible, in any order. */
inline drain(i) {
  mem[qloc[i]] = qval[i];
  show_store(qloc[i], qval[i]);
  qj = i;
  do
  :: qj + 1 < qn ->
       qloc[qj] = qloc[qj + 1]; qval[qj] = qval[qj + 1]; qrel[qj] = qrel[qj + 1]; qj++
  :: else -> break
  od;
  qn--;
  qloc[qn] = 0; qval[qn] = 0; qrel[qn] = 0;
  recompute()
}

proctype Drain() {
  byte qi, qj;
  bit qok;
end_drain:
  do
  :: d_step { (elig & 1) -> drain(0) }
  :: d_step { (elig & 2) -> drain(1) }
  :: d_step { (elig & 4) -> drain(2) }
  :: d_step { (elig & 8) -> drain(3) }
  :: d_step { (elig & 16) -> drain(4) }
#if QMAX > 5
  :: d_step { (elig & 32) -> drain(5) }
  :: d_step { (elig & 64) -> drain(6) }
  :: d_step { (elig & 128) -> drain(7) }
  :: d_step { (elig & 256) -> drain(8) }
  :: d_step { (elig & 512) -> drain(9) }
#endif
  od
}

/* newest committed seq from one non-atomic scan of the ring (the bound every slot gives, as
 * directory.cpp takes it; Receiver::find_newest gets the same from O(log CAP) of the slots): a
 * clean seq q is committed, a dirty one was marked by send(q - AHEAD). Each d_step is one shared
 * read plus private bookkeeping; locals are reset when done so stale values do not multiply the
 * state space. */
inline scan_newest(newest) {
  i = 0;
  do
  :: i < CAP ->
       d_step {
         s = mem[ST(i)];
         if
         :: (s & DIRTY) == 0 && SEQ(s) > mx -> mx = SEQ(s)
         :: (s & DIRTY) != 0 && SEQ(s) > mx + AHEAD -> mx = SEQ(s) - AHEAD
         :: else -> skip
         fi;
         s = 0;
         i++
       }
  :: else -> break
  od;
  skip;
  d_step {
    newest = mx;
    i = 0; mx = 0; dirty = 0
  }
}

/* Which of try_recv's loads may be performed, given the ones already performed (got: bit 0 s1,
 * bit 1 word 0, bit 2 word 1, bit 3 s2). A load is performed once; the program only goes on
 * with the payload if s1 == next, so a load performed early is speculative and discarded when
 * s1 turns out different. */
#define S1_DONE ((got & 1) != 0)
#define S1_OURS (!S1_DONE || s1 == next)
#if defined(TSO)
#define W0_OK (S1_DONE && s1 == next)             /* x86: loads in program order */
#define W1_OK ((got & 2) != 0)
#define S2_OK ((got & 4) != 0)
#else
#ifdef MUT_S1_RELAXED
#define W0_OK (S1_OURS)                           /* relaxed s1: payload may be loaded first */
#else
#define W0_OK (S1_DONE && s1 == next)             /* acquire s1: payload after it */
#endif
#define W1_OK W0_OK
#ifdef MUT_NO_ACQ_FENCE
#define S2_OK (S1_DONE && s1 == next)             /* no fence: s2 only after s1 (acquire) */
#else
#define S2_OK ((got & 7) == 7 && s1 == next)      /* acquire fence: s2 after s1 and payload */
#endif
#endif

/* oldest seq surely intact when newest is the newest committed one (Receiver::oldest_intact,
 * which also checks the AHEAD doubted slots before it; the model takes the sure bound) */
#define OLDEST_INTACT(newest) ((newest) + AHEAD > CAP -> (newest) + AHEAD + 1 - CAP : 1)

proctype Receiver(bit oldest_policy; bit start_oldest) {
  byte next, start, received = 0, lost = 0;
  byte s1, s2, a, b, got, i, mx, s, newest, target;
  bit dirty;

  scan_newest(newest);          /* construction */
  skip;
  d_step {
    if
    :: start_oldest == 0 -> next = newest + 1     /* StartAt::kNext */
    :: else -> next = OLDEST_INTACT(newest)       /* StartAt::kOldest */
    fi;
    start = next; newest = 0
  }

  do
  :: next > MSGS -> break
  :: else ->
       do
       :: d_step { !S1_DONE -> s1 = mem[ST(next % CAP)]; got = got | 1;
                   printf("RECEIVER next %d: s1 = %d\n", next, s1) }
       :: d_step { !(got & 2) && W0_OK -> a = mem[W0(next % CAP)]; got = got | 2;
                   printf("RECEIVER next %d: w0 = %d\n", next, a) }
       :: d_step { !(got & 4) && W1_OK -> b = mem[W1(next % CAP)]; got = got | 4;
                   printf("RECEIVER next %d: w1 = %d\n", next, b) }
       :: d_step { !(got & 8) && S2_OK -> s2 = mem[ST(next % CAP)]; got = got | 8;
                   printf("RECEIVER next %d: s2 = %d\n", next, s2) }
       :: got == 15 -> break
       :: S1_DONE && s1 != next -> break
       od;
#ifdef MUT_NO_RECHECK
       s2 = s1;
#endif
       if
       :: got == 15 && s2 == s1 ->
            d_step {
              printf("RECEIVER accepts %d: words (%d, %d)\n", next, a, b);
              assert(a == next && b == next); /* never a torn payload */
              received++;
              next++;
              a = 0; b = 0; s1 = 0; s2 = 0; got = 0
            }
       :: got == 15 && s2 != s1 ->           /* overwritten while copying */
            d_step { a = 0; b = 0; s1 = 0; s2 = 0; got = 0 };
            goto resync
       :: got != 15 && SEQ(s1) <= next ->    /* not yet published: poll again */
            d_step { a = 0; b = 0; s1 = 0; s2 = 0; got = 0 }
       :: got != 15 && SEQ(s1) > next ->     /* lapped */
            d_step { a = 0; b = 0; s1 = 0; s2 = 0; got = 0 };
resync:
            scan_newest(newest);
            skip;
            d_step {
              if
              :: oldest_policy == 0 -> target = newest
              :: else -> target = OLDEST_INTACT(newest)
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
    /* Sender::with_init: all slots "never written", the slots of seqs 1 .. AHEAD marked dirty;
     * published to the receivers by thread start (or the header's release store), so it is in
     * memory */
    mem[ST(1 % CAP)] = 1 | DIRTY;
#if AHEAD == 2
    mem[ST(2 % CAP)] = 2 | DIRTY;
#endif
    run Drain();
    run Sender();
    if                          /* LapPolicy kNewest/kOldest, StartAt kNext/kOldest */
    :: run Receiver(0, 0)
    :: run Receiver(0, 1)
    :: run Receiver(1, 0)
    :: run Receiver(1, 1)
    fi
  }
}
