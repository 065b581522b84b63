package io.comfyrun.client.pool;

import io.comfyrun.client.ServerConfig;
import java.util.Objects;

/**
 * One server of a {@link ServerPool}.
 *
 * @param name        how logs and results name it, e.g. {@code gpu-1}
 * @param config      how to reach it
 * @param maxInFlight at most this many of the pool's prompts on it at once, or 0 for no limit
 */
public record PoolMember(String name, ServerConfig config, int maxInFlight) {

    public PoolMember {
        Objects.requireNonNull(config, "config");
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a pool member needs a name (e.g. gpu-1); got none for " + config.baseUrl());
        }
        if (maxInFlight < 0) {
            throw new IllegalArgumentException("maxInFlight of pool member " + name + " must be 0 (no limit) or more, got " + maxInFlight);
        }
    }

    public static PoolMember of(String name, ServerConfig config) {
        return new PoolMember(name, config, 0);
    }

    @Override
    public String toString() {
        return name + " (" + config.baseUrl() + ")";
    }
}
