package io.comfyrun.cli;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import io.comfyrun.client.ComfyClient;
import io.comfyrun.client.ServerAuth;
import io.comfyrun.client.ServerConfig;
import io.comfyrun.client.http.Json;
import io.comfyrun.client.workflow.ui.LoadedWorkflow;
import io.comfyrun.client.workflow.ui.NodeCatalogue;
import io.comfyrun.client.workflow.ui.NodeCatalogueSource;
import io.comfyrun.client.workflow.ui.WorkflowFormat;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code comfyrun convert}: print the API-format prompt the ComfyUI editor would send for a UI-format workflow. */
@Command(name = "convert", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Convert a workflow saved from the ComfyUI editor (UI format) into API format and print it.",
            "Widget names are not in the file: they come from a server's node catalogue (GET /object_info) or a saved copy.",
            "An API-format file is printed unchanged. Exit codes: 0 converted, 2 invalid workflow, 4 catalogue not reachable.",
            "",
            "Examples:",
            "  comfyrun convert --server http://gpu-1:8188 txt2img.ui.json > txt2img.json",
            "  curl -s http://gpu-1:8188/object_info > object_info.json",
            "  comfyrun convert --object-info object_info.json txt2img.ui.json"
        })
final class ConvertCommand implements Callable<Integer> {

    static final class Catalogue {
        @Option(names = "--server", paramLabel = "URL",
                description = "Take the node catalogue from this server (default: $COMFYUI_URL, else http://127.0.0.1:8188).")
        String server;

        @Option(names = "--object-info", paramLabel = "FILE", description = "Take the node catalogue from a saved /object_info.")
        Path objectInfo;
    }

    @ArgGroup(exclusive = true)
    Catalogue catalogue = new Catalogue();

    @Option(names = "--token-env", paramLabel = "VAR",
            description = "Name of an environment variable holding a bearer token for --server.")
    String tokenEnv;

    @Option(names = "--ca-cert", paramLabel = "FILE", description = "PEM file of certificates to trust for an https --server.")
    Path caCert;

    @Parameters(arity = "1", paramLabel = "WORKFLOW.json", description = "The workflow as saved from the editor.")
    Path file;

    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    Map<String, String> env = System.getenv();

    @Override
    public Integer call() {
        try (ComfyClient client = ComfyClient.create()) {
            NodeCatalogueSource source = catalogueSource(client);
            LoadedWorkflow w = LoadedWorkflow.parse(file, source);
            if (w.format() == WorkflowFormat.API) {
                stderr.println("comfyrun: " + file + " is already in API format; printed unchanged");
            }
            DefaultPrettyPrinter pretty = new DefaultPrettyPrinter().withObjectIndenter(
                    new DefaultIndenter("  ", "\n"));
            stdout.println(Json.MAPPER.writer(pretty).writeValueAsString(w.workflow().toJson()));
            return ExitCode.SUCCESS.code();
        } catch (IllegalArgumentException e) { // InvalidWorkflowException and bad options
            stderr.println("comfyrun: " + e.getMessage());
            return ExitCode.USAGE.code();
        } catch (IOException e) {
            stderr.println("comfyrun: cannot fetch the node catalogue (GET /object_info) to convert " + file + ": "
                    + e.getMessage() + "; save one where the server is reachable and pass --object-info FILE");
            return ExitCode.UNREACHABLE.code();
        }
    }

    private NodeCatalogueSource catalogueSource(ComfyClient client) {
        if (catalogue.objectInfo != null) {
            Path saved = catalogue.objectInfo;
            return new NodeCatalogueSource() {
                private NodeCatalogue loaded;

                @Override
                public NodeCatalogue catalogue() {
                    if (loaded == null) {
                        loaded = NodeCatalogue.load(saved);
                    }
                    return loaded;
                }

                @Override
                public NodeCatalogue refetch() {
                    return catalogue();
                }
            };
        }
        String url = catalogue.server != null ? catalogue.server : env.getOrDefault("COMFYUI_URL", "http://127.0.0.1:8188");
        ServerConfig config = ServerConfig.of(url);
        if (tokenEnv != null) {
            String token = env.get(tokenEnv);
            if (token == null || token.isBlank()) {
                throw new IllegalArgumentException("--token-env " + tokenEnv + ": the environment variable " + tokenEnv
                        + " is not set or empty");
            }
            config = config.withAuth(ServerAuth.bearer(token.strip()));
        }
        if (caCert != null) {
            config = config.withTrustedCertificates(caCert);
        }
        return client.nodeCatalogue(config);
    }
}
