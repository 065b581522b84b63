package io.comfyrun.fake.validation;

/**
 * A Python exception that ComfyUI's validation would raise at this point (a {@code KeyError} for a link
 * to a missing node, an {@code IndexError} for a bad slot...). The validator turns it into the
 * {@code exception_during_validation} / {@code exception_during_inner_validation} errors ComfyUI reports.
 */
final class PythonError extends Exception {

    private static final long serialVersionUID = 1L;

    private final String pythonType;

    PythonError(String pythonType, String message) {
        super(message, null, false, false);
        this.pythonType = pythonType;
    }

    /** The builtin exception class name, e.g. {@code KeyError}. */
    String pythonType() {
        return pythonType;
    }
}
