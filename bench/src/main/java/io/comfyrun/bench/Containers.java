package io.comfyrun.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.fake.testcontainers.FakeComfyUIContainer;
import io.comfyrun.fake.testcontainers.FakeComfyUIImage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Fake server start time as a container, when a Docker engine answers; otherwise says so. */
final class Containers {

    private Containers() {
    }

    /** Returns the table cell text and records raw figures under {@code container_start}. */
    static String startTime(Path root, ObjectNode raw) {
        ObjectNode o = raw.putObject("container_start");
        if (!dockerAnswers()) {
            o.put("skipped", "no Docker engine answered `docker info`");
            return "not measured: no Docker engine answered `docker info` on this machine";
        }
        try {
            long t0 = System.nanoTime();
            String tag = FakeComfyUIImage.build(root.resolve("fake-comfyui/target/fake-comfyui.jar"));
            double buildMs = (System.nanoTime() - t0) / 1e6;
            List<Double> starts = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                long s = System.nanoTime();
                try (FakeComfyUIContainer c = new FakeComfyUIContainer(tag)) {
                    c.start(); // returns once GET /__fake/health answers 200
                    starts.add((System.nanoTime() - s) / 1e6);
                }
            }
            Stats st = Stats.of(starts);
            o.put("image", tag).put("image_build_or_reuse_ms", Stats.round(buildMs));
            ArrayNode a = o.putArray("start_to_healthy_ms");
            starts.forEach(d -> a.add(Stats.round(d)));
            return "p50 " + Stats.fmt(st.p50()) + " ms, max " + Stats.fmt(st.max()) + " ms (n=3, Testcontainers start → "
                    + "`/__fake/health` 200; registry-free scratch image, build/reuse " + Stats.fmt(buildMs) + " ms)";
        } catch (Throwable e) {
            o.put("failed", String.valueOf(e));
            return "not measured: the container did not start (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")";
        }
    }

    private static boolean dockerAnswers() {
        try {
            Process p = new ProcessBuilder("docker", "info").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
