package hudson.model;

import hudson.security.Permission;
import jenkins.model.Jenkins;

/**
 * Mirror of jenkins-core {@code hudson.model.Descriptor} (members the plugin uses). The mirror's Jenkins has a fresh,
 * empty JENKINS_HOME: {@link #load()} finds no file (as the real one then does, it loads nothing) and
 * {@link #save()}, which would write one, throws: tests override it in their own subclass.
 */
public abstract class Descriptor<T extends Describable<T>> {
    public final transient Class<? extends T> clazz;

    @SuppressWarnings("unchecked")
    protected Descriptor(Class<? extends T> clazz) {
        // real Descriptor(Class): the describable class it describes; self() means the descriptor's own class
        this.clazz = clazz == self() ? (Class<? extends T>) getClass() : clazz;
    }

    @SuppressWarnings("unchecked")
    protected Descriptor() {
        // real Descriptor(): the describable is the enclosing class; AssertionError when there is none
        this.clazz = (Class<? extends T>) getClass().getEnclosingClass();
        if (clazz == null) {
            throw new AssertionError(getClass() + " doesn't have an outer class. Use the constructor that takes the Class object explicitly.");
        }
    }

    public String getDisplayName() {
        // real getDisplayName: the describable's simple class name unless overridden
        return clazz.getSimpleName();
    }

    public String getId() {
        // real getId: the describable's class name
        return clazz.getName();
    }

    public synchronized void save() {
        // real save: writes the descriptor's XML file under JENKINS_HOME; the mirror has no JENKINS_HOME
        throw new UnsupportedOperationException("mirror: Descriptor.save writes under JENKINS_HOME; override it in a test subclass");
    }

    public synchronized void load() {
        // real load: reads the descriptor's XML file if it exists; the mirror's JENKINS_HOME is empty: nothing to load
    }

    public Permission getRequiredGlobalConfigPagePermission() {
        // real getRequiredGlobalConfigPagePermission: ADMINISTER unless overridden
        return Jenkins.ADMINISTER;
    }

    public static final class FormException extends Exception {
        private final String formField;

        public FormException(String message, String formField) {
            // real FormException(String, String): message and the form field at fault
            super(message);
            this.formField = formField;
        }

        public FormException(String message, Throwable cause, String formField) {
            // real FormException(String, Throwable, String)
            super(message, cause);
            this.formField = formField;
        }

        public FormException(Throwable cause, String formField) {
            // real FormException(Throwable, String)
            super(cause);
            this.formField = formField;
        }

        public String getFormField() {
            // real getFormField
            return formField;
        }

        private static final long serialVersionUID = 1L;
    }

    /** Real {@code Descriptor.Self}: the marker class {@link #self()} returns. */
    public static final class Self {
    }

    @SuppressWarnings("rawtypes")
    protected static Class self() {
        // real self(): the marker for "this descriptor describes itself"
        return Self.class;
    }
}
