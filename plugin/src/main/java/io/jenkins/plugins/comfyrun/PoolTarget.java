package io.jenkins.plugins.comfyrun;

import hudson.AbortException;
import hudson.model.Run;
import io.comfyrun.client.ComfyClient;
import io.comfyrun.client.ServerConfig;
import io.comfyrun.client.pool.PoolMember;
import io.comfyrun.client.pool.ServerPool;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The servers a batch step may use: a configured pool's members, or one server (a pool of one). Persisted with the
 * execution as plain values (names, URLs, credentials ids, limits); the engine's pool is looked up again after a
 * restart. Not a record, for the reason given on {@link ServerTarget}.
 */
final class PoolTarget implements Serializable {
    private final String name;
    private final boolean pool;
    private final ArrayList<ServerTarget> members;
    private final ArrayList<Integer> maxInFlight;

    private PoolTarget(String name, boolean pool, List<ServerTarget> members, List<Integer> maxInFlight) {
        this.name = name;
        this.pool = pool;
        this.members = new ArrayList<>(members);
        this.maxInFlight = new ArrayList<>(maxInFlight);
    }

    /** {@code server} names a pool, or a server (null: the default server). */
    static PoolTarget resolve(String step, String server, ComfyGlobalConfiguration global) throws AbortException {
        ComfyServerPool p = server == null ? null : global.findPool(server);
        if (p == null) {
            ServerTarget one;
            try {
                one = ServerTarget.resolve(server, null, null, global);
            } catch (AbortException e) {
                throw new AbortException(e.getMessage().replaceFirst("^comfyRun:", step + ":")
                        + (server == null ? "" : "; pools: " + poolNames(global)));
            }
            return new PoolTarget(one.label(), false, List.of(one), List.of(0));
        }
        List<ServerTarget> members = new ArrayList<>();
        List<Integer> limits = new ArrayList<>();
        for (ComfyServerPool.Member m : p.getMembers()) {
            members.add(ServerTarget.resolve(m.getServer(), null, null, global));
            limits.add(m.getMaxInFlight());
        }
        if (members.isEmpty()) {
            throw new AbortException(step + ": the ComfyUI server pool '" + server + "' has no members");
        }
        return new PoolTarget(p.getName(), true, members, limits);
    }

    private static String poolNames(ComfyGlobalConfiguration global) {
        return global.getPools().isEmpty() ? "(none configured)"
                : String.join(", ", global.getPools().stream().map(ComfyServerPool::getName).toList());
    }

    String name() {
        return name;
    }

    boolean isPool() {
        return pool;
    }

    List<ServerTarget> members() {
        return members;
    }

    /** The engine's pool for these members, shared by every step of this controller that uses the same pool. */
    ServerPool toPool(Run<?, ?> run) throws AbortException {
        List<PoolMember> list = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            ServerTarget t = members.get(i);
            list.add(new PoolMember(t.label(), t.toConfig(run, null), maxInFlight.get(i)));
        }
        return Pools.of(ComfyRuntime.client(), name, list);
    }

    /** The member's config by its label (after a restart, to reattach where a prompt was sent). */
    ServerConfig configOf(String label, Run<?, ?> run) throws AbortException {
        for (ServerTarget t : members) {
            if (t.label().equals(label)) {
                return t.toConfig(run, null);
            }
        }
        throw new AbortException("server '" + label + "' is no longer a member of " + name);
    }

    /** One engine pool per (engine, name, members): its in-flight counts and limits hold across builds. */
    static final class Pools {
        private static final Map<List<Object>, ServerPool> POOLS = new HashMap<>();

        private Pools() {
        }

        static synchronized ServerPool of(ComfyClient client, String name, List<PoolMember> members) {
            POOLS.keySet().removeIf(k -> k.get(0) != client); // the engine was closed and replaced (Jenkins restart, tests)
            List<Object> key = List.of(client, name, List.copyOf(members));
            return POOLS.computeIfAbsent(key, k -> {
                ServerPool.Builder b = ServerPool.builder(name);
                members.forEach(b::member);
                return b.build(client);
            });
        }
    }

    private static final long serialVersionUID = 1L;
}
