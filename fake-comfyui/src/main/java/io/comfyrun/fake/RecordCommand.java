package io.comfyrun.fake;

import io.comfyrun.fake.record.RecordingProxy;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar fake-comfyui.jar record --upstream URL --out session.json}: the recording proxy. */
@Command(name = "record", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"A transparent proxy (HTTP and the WebSocket) in front of a ComfyUI that writes what it saw as a",
            "session file: the upstream's object_info, and for each workflow run the frames its client received with",
            "their timing, the history entry and the output files' sizes. Replay it with",
            "'java -jar fake-comfyui.jar --scenario session.json'. Prints one line",
            "'fake-comfyui recording on http://HOST:PORT -> UPSTREAM' when ready; the file is rewritten after each run."})
final class RecordCommand implements Callable<Integer> {

    @Option(names = "--upstream", required = true, paramLabel = "URL",
            description = "The ComfyUI to record, e.g. http://127.0.0.1:8188.")
    URI upstream;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The session file to write.")
    Path out;

    @Option(names = "--host", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Option(names = "--port", description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port = 8189;

    @Override
    public Integer call() throws Exception {
        RecordingProxy proxy = RecordingProxy.start(upstream, host, port, out);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            proxy.close();
            stopped.countDown();
        }, "fake-comfyui-record-shutdown"));
        System.out.println("fake-comfyui recording on " + proxy.baseUrl() + " -> " + upstream);
        System.out.flush();
        stopped.await();
        return 0;
    }
}
