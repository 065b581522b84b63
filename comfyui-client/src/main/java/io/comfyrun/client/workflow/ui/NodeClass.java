package io.comfyrun.client.workflow.ui;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One node class as a server's {@code /object_info} declares it, reduced to what the UI-to-API conversion needs:
 * its widgets in the order the editor creates them (required, then optional), the type of every input, and the
 * name the editor shows when a node has no title of its own.
 *
 * @param name        the class_type, e.g. {@code KSampler}
 * @param displayName {@code display_name}, the editor's default title; the class name when absent
 * @param widgets     the inputs the editor draws as widgets, in order
 * @param inputTypes  every required and optional input's declared type ({@code INT}, {@code MODEL}, {@code COMBO}...)
 * @param sockets     the inputs drawn as sockets (links only), in declaration order
 * @param outputs     how many outputs it has
 */
public record NodeClass(String name, String displayName, List<Widget> widgets, Map<String, String> inputTypes,
                        List<String> sockets, int outputs) {

    public NodeClass {
        Objects.requireNonNull(name, "name");
        displayName = displayName == null || displayName.isBlank() ? name : displayName;
        widgets = List.copyOf(widgets);
        inputTypes = Map.copyOf(inputTypes);
        sockets = List.copyOf(sockets);
    }

    /**
     * A widget input. Besides its own value it may own more {@code widgets_values} slots: the editor's "control
     * after generate" companion right after it (seed-like INTs, flagged combos), and an upload button
     * ({@code image_upload} and its siblings), whose value the editor saves too.
     *
     * @param name                  the input name
     * @param type                  {@code INT}, {@code FLOAT}, {@code STRING}, {@code BOOLEAN} or {@code COMBO}
     * @param controlAfterGenerate  whether the editor gives it a control-after-generate companion
     * @param upload                whether the editor gives it an upload button
     * @param defaultValue          the declared default (for a combo its first option), used when an older save has
     *                              fewer values, as the editor does; empty when none is declared
     */
    public record Widget(String name, String type, boolean controlAfterGenerate, boolean upload,
                         Optional<JsonNode> defaultValue) {
        public Widget {
            Objects.requireNonNull(name, "name");
            defaultValue = defaultValue == null ? Optional.empty() : defaultValue;
        }

        /** How many {@code widgets_values} entries it consumes. */
        public int slots() {
            return 1 + (controlAfterGenerate ? 1 : 0) + (upload ? 1 : 0);
        }
    }

    /** Total {@code widgets_values} slots a saved node of this class has. */
    public int widgetSlots() {
        return widgets.stream().mapToInt(Widget::slots).sum();
    }

    public Optional<Widget> widget(String inputName) {
        return widgets.stream().filter(w -> w.name().equals(inputName)).findFirst();
    }
}
