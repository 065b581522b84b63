package io.comfyrun.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.fake.FakeComfyUI;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fake server's fan-out: {@code clients} WebSockets, prompts posted without a client_id so that ComfyUI
 * broadcasts {@code progress} to every socket; counts the progress frames the clients received per second.
 * Journal frame recording and previews are off: this measures the server's delivery, not its bookkeeping.
 */
final class FakeBroadcast {

    private FakeBroadcast() {
    }

    /** Returns {progress frames received, seconds from first to last, frames/s}. */
    static double[] progressPerSecond(Workflows wf, OkHttpClient base, int clients, int steps) throws Exception {
        // OkHttp queues WebSocket handshakes like calls: lift its 5-per-host limit so all clients connect at once.
        okhttp3.Dispatcher dispatcher = new okhttp3.Dispatcher();
        dispatcher.setMaxRequests(clients * 2);
        dispatcher.setMaxRequestsPerHost(clients * 2);
        OkHttpClient http = base.newBuilder().dispatcher(dispatcher).build();
        try (FakeComfyUI fake = FakeComfyUI.builder().port(0).timeScale(1_000_000).previews(false).seed(1).start()) {
            fake.journal().recordFrames(false);
            fake.scenario().stepsPerSecond("KSampler", 1_000_000);
            AtomicLong received = new AtomicLong();
            AtomicLong states = new AtomicLong();
            AtomicLong first = new AtomicLong();
            AtomicLong last = new AtomicLong();
            long expected = (long) clients * steps;
            CountDownLatch all = new CountDownLatch(1);
            CountDownLatch open = new CountDownLatch(clients);
            List<WebSocket> sockets = new ArrayList<>();
            WebSocketListener counter = new WebSocketListener() {
                @Override
                public void onOpen(WebSocket ws, Response response) {
                    open.countDown();
                }

                @Override
                public void onMessage(WebSocket ws, String text) {
                    // PythonJson writes {"type": "progress", ...}; progress_state has a longer type name.
                    if (text.startsWith("{\"type\": \"progress_state\",")) {
                        states.incrementAndGet();
                    }
                    if (text.startsWith("{\"type\": \"progress\",")) {
                        long now = System.nanoTime();
                        first.compareAndSet(0, now);
                        last.set(now);
                        if (received.incrementAndGet() >= expected) {
                            all.countDown();
                        }
                    }
                }
            };
            for (int i = 0; i < clients; i++) {
                sockets.add(http.newWebSocket(new Request.Builder().url(fake.wsUrl("fan-" + i).toString()).build(), counter));
            }
            if (!open.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not all " + clients + " sockets opened within 30 s");
            }
            long[] cpuBefore = cpuByGroup();
            ObjectNode graph = Workflows.variant(wf.txt2img, 7);
            ((ObjectNode) graph.path("3").path("inputs")).put("steps", steps);
            ObjectNode body = Workflows.JSON.createObjectNode();
            body.set("prompt", graph); // no client_id: progress goes to every socket
            Workflows.call(http, "POST", fake.baseUrl().toString().replaceAll("/$", "") + "/prompt", body.toString());
            boolean complete = all.await(120, TimeUnit.SECONDS);
            long[] cpuAfter = cpuByGroup();
            sockets.forEach(s -> s.close(1000, "done"));
            dispatcher.executorService().shutdown();
            double secs = (last.get() - first.get()) / 1e9;
            return new double[]{received.get(), secs, secs > 0 ? received.get() / secs : 0, complete ? 1 : 0,
                    states.get(), (cpuAfter[0] - cpuBefore[0]) / 1e6, (cpuAfter[1] - cpuBefore[1]) / 1e6};
        }
    }

    /** CPU nanoseconds used so far by the fake's threads and by the OkHttp (client) threads of this JVM. */
    private static long[] cpuByGroup() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long fake = 0;
        long client = 0;
        for (java.lang.management.ThreadInfo ti : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (ti == null) {
                continue;
            }
            long cpu = Math.max(0, mx.getThreadCpuTime(ti.getThreadId()));
            if (ti.getThreadName().startsWith("fake-comfyui")) {
                fake += cpu;
            } else if (ti.getThreadName().startsWith("OkHttp")) {
                client += cpu;
            }
        }
        return new long[]{fake, client};
    }
}
