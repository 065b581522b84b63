package io.comfyrun.client.pool;

import io.comfyrun.client.ComfyClient;
import io.comfyrun.client.ConnectionState;
import io.comfyrun.client.PromptRequest;
import io.comfyrun.client.ServerConnection;
import io.comfyrun.client.progress.ProgressListener;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A named set of ComfyUI servers that share the work. Each prompt is routed when it is submitted to the
 * healthy member with the least work ahead of it ({@link MemberLoad#work()}: the server's last reported
 * {@code queue_remaining} and this engine's own prompts in flight there), read from the shared sockets with
 * no extra request; ties go round-robin. A member that cannot be reached before the prompt is posted is
 * skipped and the prompt goes to the next one; a prompt that was posted is never posted again anywhere (an
 * ambiguous POST is the member's to resolve). With {@code maxInFlight} on a member, prompts wait in the pool
 * (no thread waits) until a member has room.
 *
 * <pre>{@code
 * ServerPool farm = ServerPool.builder("farm")
 *         .member("gpu-1", ServerConfig.of("http://gpu-1:8188"))
 *         .member("gpu-2", ServerConfig.of("http://gpu-2:8188"), 2)
 *         .build(comfy);
 * PooledPrompt p = farm.submit(PromptRequest.of(workflow), log);
 * PromptResult r = p.result().join();       // r.server() is the member that ran it, p.member() names it
 * }</pre>
 */
public final class ServerPool {

    /** Choice results besides a member index. */
    private static final int WAIT = -1;
    private static final int EXHAUSTED = -2;

    private final String name;
    private final List<PoolMember> members;
    private final ComfyClient client;
    private final long downForNanos;

    // Guarded by this: our reservations per member, when a skipped member may be tried again, whether each was
    // seen with an open socket (a member that had one and lost it is suspect), the round-robin cursor, waiters.
    private final int[] reserved;
    private final long[] downUntil;
    private final boolean[] wasOpen;
    private int cursor;
    private final ArrayDeque<PooledPrompt> waiting = new ArrayDeque<>();

    private ServerPool(Builder b, ComfyClient client) {
        this.name = b.name;
        this.members = List.copyOf(b.members);
        this.client = Objects.requireNonNull(client, "client");
        this.downForNanos = b.downFor.toNanos();
        this.reserved = new int[members.size()];
        this.downUntil = new long[members.size()];
        this.wasOpen = new boolean[members.size()];
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    public List<PoolMember> members() {
        return members;
    }

    /** The member with this base URL, e.g. to name the server of a {@code PromptResult}. */
    public Optional<PoolMember> memberAt(URI baseUrl) {
        return members.stream().filter(m -> m.config().baseUrl().equals(baseUrl)).findFirst();
    }

    /** Routes the prompt (now, or once a member has room) and returns at once. */
    public PooledPrompt submit(PromptRequest request, ProgressListener listener) {
        return submit(request, listener, PoolListener.NONE);
    }

    /**
     * Routes the prompt (now, or once a member has room) and returns at once. {@link PromptRequest#beforeSubmit()}
     * runs before each POST with that attempt's prompt id (a skipped member gets a new id on the next one).
     */
    public PooledPrompt submit(PromptRequest request, ProgressListener listener, PoolListener poolListener) {
        PooledPrompt p = new PooledPrompt(this, request, listener, poolListener);
        dispatch(p);
        return p;
    }

    /** What routing sees now, member by member (no request is made). */
    public List<MemberLoad> loads() {
        List<MemberLoad> loads = new ArrayList<>();
        Seen[] seen = look();
        long now = System.nanoTime();
        synchronized (this) {
            for (int i = 0; i < members.size(); i++) {
                loads.add(load(i, now, seen));
            }
        }
        return loads;
    }

    /** Prompts waiting for a member with room. */
    public synchronized int waiting() {
        return waiting.size();
    }

    ComfyClient client() {
        return client;
    }

    PoolMember member(int index) {
        return members.get(index);
    }

    // ------------------------------------------------------------------ routing

    /** Routes now, or queues until a member has room. */
    void dispatch(PooledPrompt p) {
        int choice;
        Seen[] seen = look();
        synchronized (this) {
            choice = choose(p, seen);
            if (choice == WAIT) {
                waiting.add(p);
            }
        }
        act(p, choice);
    }

    private void act(PooledPrompt p, int choice) {
        if (choice == WAIT) {
            p.waiting(waiting());
        } else if (choice == EXHAUSTED) {
            p.exhausted();
        } else {
            p.attempt(choice);
        }
    }

    /** A prompt routed to this member ended (or was skipped): its slot is free for the waiters. */
    void release(int index, boolean unreachable) {
        synchronized (this) {
            reserved[index]--;
            if (unreachable) {
                downUntil[index] = System.nanoTime() + downForNanos;
                wasOpen[index] = false;
            }
        }
        pump();
    }

    /** Removes a prompt that is still waiting; false if it was routed meanwhile. */
    synchronized boolean unqueue(PooledPrompt p) {
        return waiting.remove(p);
    }

    private void pump() {
        while (true) {
            PooledPrompt p;
            int choice;
            if (waiting() == 0) {
                return;
            }
            Seen[] seen = look();
            synchronized (this) {
                p = waiting.peek();
                if (p == null) {
                    return;
                }
                choice = choose(p, seen);
                if (choice == WAIT) {
                    return;
                }
                waiting.poll();
            }
            act(p, choice);
        }
    }

    /** Picks and reserves a member for p, or says it must wait or has no member left to try. Caller holds the lock. */
    private int choose(PooledPrompt p, Seen[] seen) {
        long now = System.nanoTime();
        Set<Integer> tried = p.tried();
        int best = -1;
        long bestScore = Long.MAX_VALUE;
        boolean anyUntried = false;
        int n = members.size();
        for (int k = 0; k < n; k++) {
            int i = (cursor + k) % n; // scanning from the cursor makes the first of equal scores the round-robin pick
            if (tried.contains(i)) {
                continue;
            }
            anyUntried = true;
            PoolMember m = members.get(i);
            if (m.maxInFlight() > 0 && reserved[i] >= m.maxInFlight()) {
                continue;
            }
            MemberLoad load = load(i, now, seen);
            boolean suspect = load.down() || wasOpen[i] && load.state() != ConnectionState.OPEN;
            long score = (suspect ? 1L << 40 : 0) + load.work();
            if (score < bestScore) {
                best = i;
                bestScore = score;
            }
        }
        if (best < 0) {
            return anyUntried ? WAIT : EXHAUSTED;
        }
        reserved[best]++;
        cursor = (best + 1) % n;
        return best;
    }

    /** Caller holds the lock; {@code seen} was read before taking it. */
    private MemberLoad load(int i, long now, Seen[] seen) {
        Seen s = seen[i];
        if (s.state() == ConnectionState.OPEN) {
            wasOpen[i] = true;
            downUntil[i] = 0;
        }
        boolean down = downUntil[i] != 0 && now - downUntil[i] < 0;
        return new MemberLoad(members.get(i), s.queueRemaining(), s.inFlight(), reserved[i], s.state(), down);
    }

    /** What each member's connection reports, read without the pool's lock (connections take their own locks). */
    private Seen[] look() {
        Seen[] seen = new Seen[members.size()];
        for (int i = 0; i < seen.length; i++) {
            ServerConnection c = client.servers().connection(members.get(i).config());
            seen[i] = new Seen(c.state(), c.queueRemaining(), c.inFlight());
        }
        return seen;
    }

    private record Seen(ConnectionState state, int queueRemaining, int inFlight) {
    }

    /** Options of a {@link ServerPool}. */
    public static final class Builder {
        private final String name;
        private final List<PoolMember> members = new ArrayList<>();
        private Duration downFor = Duration.ofSeconds(10);

        private Builder(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a server pool needs a name, e.g. 'farm'");
            }
            this.name = name;
        }

        public Builder member(String memberName, io.comfyrun.client.ServerConfig config) {
            return member(new PoolMember(memberName, config, 0));
        }

        public Builder member(String memberName, io.comfyrun.client.ServerConfig config, int maxInFlight) {
            return member(new PoolMember(memberName, config, maxInFlight));
        }

        public Builder member(PoolMember member) {
            Set<String> names = new HashSet<>();
            Set<URI> urls = new HashSet<>();
            for (PoolMember m : members) {
                names.add(m.name());
                urls.add(m.config().baseUrl());
            }
            if (!names.add(member.name())) {
                throw new IllegalArgumentException("pool " + name + " already has a member named " + member.name());
            }
            if (!urls.add(member.config().baseUrl())) {
                throw new IllegalArgumentException("pool " + name + " already has a member at " + member.config().baseUrl()
                        + "; list each server once (use maxInFlight to let it take more prompts)");
            }
            members.add(member);
            return this;
        }

        /** How long a member that could not be reached is tried only when no other has room (default 10 s). */
        public Builder downFor(Duration d) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException("downFor must be zero or positive, got " + d);
            }
            this.downFor = d;
            return this;
        }

        public ServerPool build(ComfyClient client) {
            if (members.isEmpty()) {
                throw new IllegalArgumentException("server pool " + name + " has no members: add at least one server");
            }
            return new ServerPool(this, client);
        }
    }
}
