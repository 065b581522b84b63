package hudson.model;

/** Mirror of jenkins-core {@code hudson.model.Action}. */
public interface Action extends ModelObject {
    String getIconFileName();

    @Override
    String getDisplayName();

    String getUrlName();
}
