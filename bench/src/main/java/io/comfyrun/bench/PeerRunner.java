package io.comfyrun.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@code peers/bench/bench-runner.mjs} for one peer and returns its JSON line. */
final class PeerRunner {

    /** The two published clients, as named in the report. */
    enum Peer {
        SAINTNO("saintno", "@saintno/comfyui-sdk 0.3.1"),
        STABLE_CANVAS("stable-canvas", "@stable-canvas/comfyui-client 1.5.9");

        final String arg;
        final String label;

        Peer(String arg, String label) {
            this.arg = arg;
            this.label = label;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path peersDir;

    PeerRunner(Path peersDir) {
        this.peersDir = peersDir;
    }

    /** Never throws for a peer's failure: a run that printed nothing comes back as {outcome: "no output"}. */
    JsonNode run(Peer peer, String mode, String url, Path workflow, int count, long timeoutMs) throws IOException {
        Path log = Files.createTempFile("bench-" + peer.arg + "-", ".stderr");
        Process p = new ProcessBuilder(List.of("node", "--expose-gc", peersDir.resolve("bench/bench-runner.mjs").toString(),
                peer.arg, mode, url, workflow.toString(), String.valueOf(count), String.valueOf(timeoutMs)))
                .redirectError(log.toFile())
                .start();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        Thread reader = new Thread(() -> {
            try (var in = p.getInputStream()) {
                in.transferTo(out);
            } catch (IOException ignored) {
                // the process was killed: what was read so far is all there is
            }
        }, "bench-peer-stdout");
        reader.setDaemon(true);
        reader.start();
        try {
            // The runner ends itself at its deadline, unless the SDK saturates Node's event loop: then it is killed.
            boolean exited = p.waitFor(timeoutMs + 15_000, TimeUnit.MILLISECONDS);
            if (!exited) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            reader.join(5_000);
            String text;
            synchronized (out) {
                text = out.toString(StandardCharsets.UTF_8).trim();
            }
            if (!exited && text.isEmpty()) {
                return JSON.createObjectNode().put("outcome", "timeout")
                        .put("note", "killed: no result line " + (timeoutMs + 15_000) / 1000 + " s after start");
            }
            if (text.isEmpty()) {
                String err = Files.readString(log);
                return JSON.createObjectNode().put("outcome", "no output").put("stderr",
                        err.length() > 500 ? err.substring(0, 500) : err);
            }
            String last = text.substring(text.lastIndexOf('\n') + 1);
            return JSON.readTree(last);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while running " + peer.arg, e);
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
