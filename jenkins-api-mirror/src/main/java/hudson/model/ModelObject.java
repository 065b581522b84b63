package hudson.model;

/** Mirror of jenkins-core {@code hudson.model.ModelObject}. */
public interface ModelObject {
    String getDisplayName();
}
