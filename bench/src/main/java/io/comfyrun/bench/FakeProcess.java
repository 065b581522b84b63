package io.comfyrun.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The standalone fake-comfyui jar as a child process (the peers' server), with its admin API. Only the process
 * this object started is ever stopped.
 */
final class FakeProcess implements AutoCloseable {

    private static final Pattern READY = Pattern.compile("^fake-comfyui listening on (http\\S+)");
    private static final MediaType JSON_TYPE = MediaType.get("application/json");
    private static final ObjectMapper JSON = new ObjectMapper();

    final Process process;
    final String baseUrl;
    /** From spawning the JVM to its "listening on" line. */
    final double startMillis;
    private final OkHttpClient http;

    private FakeProcess(Process process, String baseUrl, double startMillis, OkHttpClient http) {
        this.process = process;
        this.baseUrl = baseUrl;
        this.startMillis = startMillis;
        this.http = http;
    }

    static FakeProcess start(Path jar, OkHttpClient http, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(javaBinary(), "-jar", jar.toString(), "--port", "0"));
        cmd.addAll(List.of(args));
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        // If the benchmark is stopped, the servers it started go with it.
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
        CompletableFuture<String> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    Matcher m = READY.matcher(line);
                    if (m.find()) {
                        ready.complete(m.group(1));
                    }
                }
                ready.completeExceptionally(new IOException("fake-comfyui exited before printing its 'listening on' line"));
            } catch (IOException e) {
                ready.completeExceptionally(e);
            }
        }, "bench-fake-stdout");
        reader.setDaemon(true);
        reader.start();
        try {
            String url = ready.get(60, TimeUnit.SECONDS);
            return new FakeProcess(p, url, (System.nanoTime() - t0) / 1e6, http);
        } catch (TimeoutException e) {
            p.destroyForcibly();
            throw new IOException("fake-comfyui jar " + jar + " printed no 'listening on' line within 60 s", e);
        } catch (Exception e) {
            p.destroyForcibly();
            throw new IOException("fake-comfyui jar " + jar + " did not start: " + e.getMessage(), e);
        }
    }

    static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    JsonNode admin(String method, String route, String body) throws IOException {
        Request.Builder b = new Request.Builder().url(baseUrl + route);
        if (body != null) {
            b.method(method, RequestBody.create(body, JSON_TYPE));
        } else if (!method.equals("GET")) {
            b.method(method, RequestBody.create(new byte[0], JSON_TYPE));
        }
        try (Response r = http.newCall(b.build()).execute()) {
            String text = r.body() == null ? "" : r.body().string();
            if (r.code() >= 400) {
                throw new IOException(method + " " + route + " answered " + r.code() + ": " + text);
            }
            return text.isBlank() ? JSON.createObjectNode() : JSON.readTree(text);
        }
    }

    Timeline journal() throws IOException {
        return Timeline.fromAdminJson(admin("GET", "/__fake/journal", null));
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
