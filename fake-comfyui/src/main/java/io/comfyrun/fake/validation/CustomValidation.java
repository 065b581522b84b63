package io.comfyrun.fake.validation;

import com.fasterxml.jackson.databind.JsonNode;
import io.comfyrun.fake.catalog.ServerFiles;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code VALIDATE_INPUTS} hooks of core node classes. Inputs named by a hook skip the generic
 * min/max/combo checks (as in ComfyUI) and are checked here instead.
 */
final class CustomValidation {

    private CustomValidation() {
    }

    /** The inputs that {@code classType}'s {@code VALIDATE_INPUTS} takes; empty when it has none. */
    static Set<String> inputsOf(String classType) {
        switch (classType) {
            case "LoadImage":
            case "LoadImageMask":
                return Set.of("image");
            default:
                return Set.of();
        }
    }

    /** The reason the hook rejects {@code value}, or empty when it accepts it. */
    static Optional<String> check(String classType, String input, JsonNode value, ServerFiles files) {
        if ("image".equals(input) && inputsOf(classType).contains(input)) {
            String name = PyFormat.str(value);
            return files.inputExists(stripAnnotation(name)) ? Optional.empty()
                    : Optional.of("Invalid image file: " + name);
        }
        return Optional.empty();
    }

    /** {@code "x.png [input]"} names a file of the input folder, like {@code "x.png"}. */
    private static String stripAnnotation(String name) {
        return name.endsWith(" [input]") ? name.substring(0, name.length() - " [input]".length()) : name;
    }
}
