package io.jenkins.plugins.comfyrun;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The build pages' scripts in a real browser (Debian's chromium, headless) against the page's own markup (cut from
 * index.jelly between its markers) and a JSON model served by a small local HTTP server, as Jenkins' api/json would
 * serve it. Chromium runs with a virtual-time budget: its timers fire as fast as the page lets them, so "polling
 * stopped" is a count of requests after far more virtual time than the polls need, not a wait. A screenshot of each
 * state is kept under target/browser-screenshots/.
 */
class BuildPageBrowserTest {
    private static final Path RESOURCES = Path.of("src/main/resources/io/jenkins/plugins/comfyrun");
    private static final Path SHOTS = Path.of("target/browser-screenshots");
    private static String chromium;

    private HttpServer server;
    private final List<String> apiRequests = new CopyOnWriteArrayList<>();
    private volatile List<String> models = List.of();
    private volatile String page = "";

    @BeforeAll
    static void findChromium() {
        for (String p : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")) {
            if (Files.isExecutable(Path.of(p))) {
                chromium = p;
            }
        }
        Assumptions.assumeTrue(chromium != null, "no chromium binary (/usr/bin/chromium): the build pages' scripts are not"
                + " tested in a browser here; on Debian: apt-get install -y chromium");
    }

    @BeforeEach
    void startServer() throws IOException {
        Files.createDirectories(SHOTS);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::serve);
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private void serve(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        byte[] body;
        String type;
        if (path.equals("/job/p/1/page")) {
            body = page.getBytes(StandardCharsets.UTF_8);
            type = "text/html; charset=utf-8";
        } else if (path.startsWith("/adjuncts/")) {
            body = Files.readAllBytes(RESOURCES.resolve(path.substring("/adjuncts/".length())));
            type = "application/javascript";
        } else if (path.equals("/job/p/1/api/json")) {
            apiRequests.add(ex.getRequestURI().getRawQuery());
            List<String> m = models;
            body = m.get(Math.min(apiRequests.size(), m.size()) - 1).getBytes(StandardCharsets.UTF_8);
            type = "application/json";
        } else if (path.startsWith("/job/p/1/artifact/") && path.endsWith(".png")) {
            body = png(path.hashCode());
            type = "image/png";
        } else {
            body = "not found".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(404, body.length);
            ex.getResponseBody().write(body);
            ex.close();
            return;
        }
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
        ex.close();
    }

    private static byte[] png(int seed) throws IOException {
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(seed & 0xffffff));
        g.fillRect(0, 0, 64, 64);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /** The batch page's markup, cut from index.jelly between its markers, with the Jelly expressions filled in. */
    private static String batchMarkup() throws IOException {
        String jelly = Files.readString(RESOURCES.resolve("ComfyBatchAction/index.jelly"));
        Matcher m = Pattern.compile("<!-- markup:start -->(.*)<!-- markup:end -->", Pattern.DOTALL).matcher(jelly);
        assertThat(m.find()).as("index.jelly keeps its markup markers").isTrue();
        return m.group(1).replace("${rootURL}/${it.run.url}", "/job/p/1/").replace("${it.number}", "1");
    }

    private static String html(String markup, String script) {
        return "<!DOCTYPE html><html><head><meta charset='utf-8'><title>t</title></head><body>" + markup
                + "<script src='/adjuncts/" + script + "'></script></body></html>";
    }

    private static String item(int i, String status, String server, long ms, boolean thumb) {
        return "{\"index\":" + i + ",\"name\":\"seed-" + i + "\",\"status\":\"" + status + "\",\"server\":" + (server == null ? "null" : "\"" + server + "\"")
                + ",\"durationMillis\":" + ms + ",\"message\":\"\",\"thumbnails\":[" + (thumb ? "\"artifact/out/seed-" + i + ".png\"" : "") + "]}";
    }

    private static String batchModel(boolean building, boolean done, String... items) {
        return "{\"_class\":\"WorkflowRun\",\"building\":" + building + ",\"actions\":[{},{\"_class\":\"io.jenkins.plugins.comfyrun.ComfyBatchAction\","
                + "\"number\":1,\"pool\":\"farm\",\"done\":" + done + ",\"items\":[" + String.join(",", items) + "]}]}";
    }

    /** Runs headless chromium on the page: the DOM after the budget of virtual time, and a screenshot of it. */
    private String browse(String screenshot, int virtualMillis) throws Exception {
        String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/job/p/1/page";
        List<String> common = List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--hide-scrollbars", "--window-size=1000,700", "--virtual-time-budget=" + virtualMillis);
        List<String> shot = new ArrayList<>(common);
        shot.add("--screenshot=" + SHOTS.resolve(screenshot).toAbsolutePath());
        shot.add(url);
        run(shot);
        assertThat(SHOTS.resolve(screenshot)).isNotEmptyFile();
        apiRequests.clear(); // the DOM run is counted on its own
        List<String> dom = new ArrayList<>(common);
        dom.add("--dump-dom");
        dom.add(url);
        return run(dom);
    }

    private static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("chromium ends").isTrue();
        return new String(out, StandardCharsets.UTF_8);
    }

    @Test
    void batchPageShowsLiveProgressAsTheModelChanges() throws Exception {
        page = html(batchMarkup(), "ComfyBatchAction/batch.js");
        // a batch in the middle of its run, for as long as the page looks
        models = List.of(batchModel(true, false, item(1, "success", "gpu-a", 4200, true), item(2, "running", "gpu-b", -1, false),
                item(3, "submitted", "gpu-a", -1, false), item(4, "pending", null, -1, false)));
        String dom = browse("batch-running.png", 9_000);
        assertThat(apiRequests.size()).as("it keeps polling while the build runs: " + apiRequests).isGreaterThanOrEqualTo(3);
        assertThat(dom).contains("1 of 4 items done").contains("class=\"comfyrun-item-status\">running<")
                .contains("class=\"comfyrun-item-server\">gpu-b<").contains("data-polling=\"active\"")
                .contains("4.2 s");
    }

    @Test
    void batchPageStopsPollingWhenTheBuildIsOverAndShowsTheGallery() throws Exception {
        page = html(batchMarkup(), "ComfyBatchAction/batch.js");
        models = List.of(
                batchModel(true, false, item(1, "running", "gpu-a", -1, false), item(2, "pending", null, -1, false)),
                batchModel(true, false, item(1, "success", "gpu-a", 3100, true), item(2, "running", "gpu-b", -1, false)),
                batchModel(false, true, item(1, "success", "gpu-a", 3100, true), item(2, "success", "gpu-b", 2900, true)));
        String dom = browse("batch-finished.png", 60_000);
        assertThat(apiRequests).as("three polls, then none for the rest of 60 s of virtual time").hasSize(3);
        assertThat(apiRequests.get(0)).contains("tree=building,actions");
        assertThat(dom).contains("data-polling=\"stopped\"").contains("data-stopped-because=\"build over\"")
                .contains("2 of 2 items done (2 success) · build finished");
        assertThat(Pattern.compile("<img class=\"comfyrun-gallery-image\" src=\"/job/p/1/artifact/out/seed-\\d\\.png\"")
                .matcher(dom).results().count()).as("gallery thumbnails").isEqualTo(2);
        assertThat(Pattern.compile("class=\"comfyrun-thumb\"").matcher(dom).results().count()).isEqualTo(2);
    }

    @Test
    void singleRunPageStopsPollingAnAbortedPromptOnceTheBuildIsOver() throws Exception {
        // the attributes progress.js reads, as ComfyRunAction/block.jelly renders them for a prompt still saved as RUNNING
        String markup = "<div class=\"comfyrun-summary\" data-prompt-id=\"5f1c2a00-0000-4000-8000-000000000001\" data-in-progress=\"true\""
                + " data-api=\"/job/p/1/api/json?tree=actions[promptId,status,percent,currentNode,queuePosition]\""
                + " data-fragment=\"/job/p/1/comfyRun/fragment\"><b>ComfyUI</b> prompt on <b>gpu-a</b>: "
                + "<span class=\"comfyrun-status\">RUNNING</span><span class=\"comfyrun-live\"> · node 3 KSampler 45%</span></div>";
        page = html(markup, "ComfyRunAction/progress.js");
        models = List.of("{\"building\":false,\"actions\":[{\"promptId\":\"5f1c2a00-0000-4000-8000-000000000001\",\"status\":\"RUNNING\","
                + "\"percent\":45,\"currentNode\":\"3 KSampler\"}]}");
        String dom = browse("single-run-aborted.png", 60_000);
        assertThat(apiRequests).as("one poll finds the build over; none after it in 60 s of virtual time").hasSize(1);
        assertThat(apiRequests.get(0)).startsWith("tree=building,actions");
        assertThat(dom).contains("RUNNING (build over: no longer followed)").contains("data-in-progress=\"false\"");
    }
}
