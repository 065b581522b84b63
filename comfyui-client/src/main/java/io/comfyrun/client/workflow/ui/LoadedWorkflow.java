package io.comfyrun.client.workflow.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.client.http.Json;
import io.comfyrun.client.workflow.InvalidWorkflowException;
import io.comfyrun.client.workflow.Workflow;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A workflow file in either format, ready to submit: an API-format file as is, a UI-format file (the editor's Save)
 * converted with a node catalogue. The catalogue is only asked for when the file needs converting.
 *
 * <pre>{@code
 * LoadedWorkflow w = LoadedWorkflow.parse(Path.of("txt2img.json"), comfy.nodeCatalogue(server));
 * PromptRequest r = PromptRequest.of(w.workflow().toJson()).withExtraData(w.extraData());
 * System.out.println(w.describe());   // "converted from UI format with the node catalogue of http://gpu-1:8188"
 * }</pre>
 *
 * @param workflow        the API-format workflow
 * @param format          the format the file was in
 * @param extraData       for a converted file, {@code {"extra_pnginfo": {"workflow": <UI graph>}}}; null otherwise
 * @param catalogueSource for a converted file, whose catalogue named the widgets; null otherwise
 */
public record LoadedWorkflow(Workflow workflow, WorkflowFormat format, ObjectNode extraData, String catalogueSource) {

    public LoadedWorkflow {
        Objects.requireNonNull(workflow, "workflow");
        Objects.requireNonNull(format, "format");
    }

    /** Reads a file in either format. */
    public static LoadedWorkflow parse(Path file, NodeCatalogueSource catalogues) throws IOException {
        String text;
        try {
            if (Files.size(file) > Workflow.MAX_BYTES) {
                return new LoadedWorkflow(Workflow.parse(file), WorkflowFormat.API, null, null); // reports the size
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return new LoadedWorkflow(Workflow.parse(file), WorkflowFormat.API, null, null); // reports the file error
        }
        return parse(text, file.toString(), catalogues);
    }

    /** Parses JSON text in either format; {@code source} is named in errors. */
    public static LoadedWorkflow parse(String json, String source, NodeCatalogueSource catalogues) throws IOException {
        JsonNode tree = json == null || json.length() > Workflow.MAX_BYTES ? null : Json.parseLenient(json);
        if (WorkflowFormat.detect(tree) != WorkflowFormat.UI) {
            return new LoadedWorkflow(Workflow.parse(json, source), WorkflowFormat.API, null, null);
        }
        return fromUi(tree, source, catalogues);
    }

    /** Converts an already-parsed UI-format tree. */
    public static LoadedWorkflow fromUi(JsonNode ui, String source, NodeCatalogueSource catalogues) throws IOException {
        if (catalogues == null) {
            throw new InvalidWorkflowException(source + ": this is a UI-format workflow (the editor's Save) and no node"
                    + " catalogue was given to convert it; name a server or a saved /object_info file");
        }
        NodeCatalogue catalogue = catalogues.catalogue();
        ConvertedWorkflow converted;
        try {
            converted = UiConverter.convert(ui, catalogue, source);
        } catch (UnknownNodeClassException | WidgetMismatchException e) {
            // a custom node may have been installed or updated on the server since the catalogue was fetched
            NodeCatalogue fresh = catalogues.refetch();
            if (fresh == catalogue) {
                throw e;
            }
            converted = UiConverter.convert(ui, fresh, source);
        }
        return new LoadedWorkflow(Workflow.fromJson(converted.prompt(), source), WorkflowFormat.UI,
                converted.extraData(), converted.catalogueSource());
    }

    /** One line for a console: "API format" or "converted from UI format with the node catalogue of ...". */
    public String describe() {
        return format == WorkflowFormat.API ? "API format"
                : "converted from UI format with the node catalogue of " + catalogueSource;
    }
}
