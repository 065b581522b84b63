package hudson.model;

import hudson.security.AccessControlled;
import hudson.security.Permission;

/** Mirror of jenkins-core {@code hudson.model.Item} (real also extends PersistenceRoot, SearchableModelObject, OnMaster). */
public interface Item extends AccessControlled, ModelObject {
    Permission CREATE = new Permission("hudson.model.Item.Create");
    Permission CONFIGURE = new Permission("hudson.model.Item.Configure");
    Permission READ = new Permission("hudson.model.Item.Read");
    Permission EXTENDED_READ = new Permission("hudson.model.Item.ExtendedRead");
    Permission BUILD = new Permission("hudson.model.Item.Build");

    String getName();

    String getFullName();

    String getFullDisplayName();

    String getUrl();
}
