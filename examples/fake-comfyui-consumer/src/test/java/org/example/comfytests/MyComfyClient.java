package org.example.comfytests;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The consumer's own small ComfyUI client (the code under test in a real project): queue a workflow, follow it on the
 * WebSocket until it ends, download its images. Only the JDK, no comfyRun code.
 */
final class MyComfyClient implements AutoCloseable {

    /** How a run ended, and what the socket showed on the way. */
    record Run(String promptId, String outcome, List<String> messageTypes, List<byte[]> images) {
    }

    private static final Pattern TYPE = Pattern.compile("\"type\": ?\"([a-z_]+)\"");
    private static final Pattern PROMPT_ID = Pattern.compile("\"prompt_id\": ?\"([0-9a-f-]+)\"");
    private static final Pattern IMAGE = Pattern.compile("\"filename\": ?\"([^\"]+)\", ?\"subfolder\": ?\"([^\"]*)\", "
            + "?\"type\": ?\"output\"");

    private final String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String clientId = UUID.randomUUID().toString();

    MyComfyClient(String baseUrl) {
        this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }

    Run run(String workflowJson) throws IOException, InterruptedException {
        List<String> types = new CopyOnWriteArrayList<>();
        CompletableFuture<String> ended = new CompletableFuture<>();
        String[] promptId = new String[1];
        WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create(base.replaceFirst("^http", "ws")
                + "/ws?clientId=" + clientId), new WebSocket.Listener() {
                    private final StringBuilder text = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                        text.append(data);
                        if (last) {
                            String frame = text.toString();
                            text.setLength(0);
                            Matcher t = TYPE.matcher(frame);
                            if (t.find()) {
                                String type = t.group(1);
                                types.add(type);
                                Matcher p = PROMPT_ID.matcher(frame);
                                boolean ours = p.find() && p.group(1).equals(promptId[0]);
                                if (ours && (type.equals("execution_success") || type.equals("execution_error")
                                        || type.equals("execution_interrupted"))) {
                                    ended.complete(type);
                                }
                            }
                        }
                        socket.request(1);
                        return null;
                    }
                }).join();
        try {
            String body = "{\"prompt\": " + workflowJson + ", \"client_id\": \"" + clientId + "\"}";
            HttpResponse<String> queued = http.send(HttpRequest.newBuilder(URI.create(base + "/prompt"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (queued.statusCode() != 200) {
                throw new IOException("POST /prompt answered " + queued.statusCode() + ": " + queued.body());
            }
            Matcher p = PROMPT_ID.matcher(queued.body());
            if (!p.find()) {
                throw new IOException("no prompt_id in " + queued.body());
            }
            promptId[0] = p.group(1);
            String outcome;
            try {
                outcome = ended.get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IOException("prompt " + promptId[0] + " did not end within 60 s; saw " + types, e);
            }
            List<byte[]> images = new ArrayList<>();
            if (outcome.equals("execution_success")) {
                String history = get("/history/" + promptId[0]);
                Matcher img = IMAGE.matcher(history);
                while (img.find()) {
                    images.add(http.send(HttpRequest.newBuilder(URI.create(base + "/view?filename="
                            + URLEncoder.encode(img.group(1), StandardCharsets.UTF_8) + "&subfolder="
                            + URLEncoder.encode(img.group(2), StandardCharsets.UTF_8) + "&type=output")).build(),
                            HttpResponse.BodyHandlers.ofByteArray()).body());
                }
            }
            return new Run(promptId[0], outcome, List.copyOf(types), images);
        } finally {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "done");
        }
    }

    String get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @Override
    public void close() {
        // java.net.http.HttpClient has no close before Java 21; its threads are daemons
    }
}
