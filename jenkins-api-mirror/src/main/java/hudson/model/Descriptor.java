package hudson.model;

import hudson.security.Permission;
import jenkins.model.Jenkins;

/**
 * Mirror of jenkins-core {@code hudson.model.Descriptor} (members the plugin uses). {@link #load()} and
 * {@link #save()} do nothing here (no JENKINS_HOME); the real ones read and write the descriptor's XML file.
 */
public abstract class Descriptor<T extends Describable<T>> {
    public final transient Class<? extends T> clazz;

    protected Descriptor(Class<? extends T> clazz) {
        this.clazz = clazz;
    }

    @SuppressWarnings("unchecked")
    protected Descriptor() {
        // the real one infers the describable as the outer class of the descriptor
        Class<?> outer = getClass().getEnclosingClass();
        this.clazz = (Class<? extends T>) (outer != null ? outer : getClass());
    }

    protected static Class self() {
        throw new UnsupportedOperationException("mirror");
    }

    public String getDisplayName() {
        return clazz.getSimpleName();
    }

    public String getId() {
        return clazz.getName();
    }

    public synchronized void save() {
    }

    public synchronized void load() {
    }

    public Permission getRequiredGlobalConfigPagePermission() {
        return Jenkins.ADMINISTER;
    }

    public static final class FormException extends Exception {
        private final String formField;

        public FormException(String message, String formField) {
            super(message);
            this.formField = formField;
        }

        public FormException(String message, Throwable cause, String formField) {
            super(message, cause);
            this.formField = formField;
        }

        public FormException(Throwable cause, String formField) {
            super(cause);
            this.formField = formField;
        }

        public String getFormField() {
            return formField;
        }

        private static final long serialVersionUID = 1L;
    }
}
