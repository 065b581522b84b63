package io.comfyrun.cli;

import io.comfyrun.client.ComfyClient;
import io.comfyrun.client.ServerConfig;
import io.comfyrun.client.pool.PoolListener;
import io.comfyrun.client.pool.PoolMember;
import io.comfyrun.client.pool.ServerPool;
import io.comfyrun.client.progress.log.LogFormat;
import java.util.List;
import java.util.function.Consumer;

/** Several {@code --server} options as one pool: members are named by their (credential-free) URLs. */
final class CliPool {

    private CliPool() {
    }

    static ServerPool of(ComfyClient client, List<ServerConfig> members) {
        ServerPool.Builder b = ServerPool.builder("command-line");
        for (ServerConfig m : members) {
            b.member(LogFormat.server(m.baseUrl()), m);
        }
        return b.build(client);
    }

    /** A console line when a member is skipped; the "submitted to" line already names the member that took the prompt. */
    static PoolListener notes(String prefix, Consumer<String> console, boolean json) {
        if (json) {
            return PoolListener.NONE;
        }
        return new PoolListener() {
            @Override
            public void skipped(PoolMember member, String reason) {
                console.accept(prefix + member.name() + " could not be reached before the prompt was posted; trying another server ("
                        + reason + ")");
            }
        };
    }
}
