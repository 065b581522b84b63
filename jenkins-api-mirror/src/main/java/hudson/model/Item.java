package hudson.model;

import hudson.security.AccessControlled;
import hudson.security.Permission;

/** Mirror of jenkins-core {@code hudson.model.Item} (real also extends PersistenceRoot, SearchableModelObject, OnMaster). */
public interface Item extends AccessControlled, ModelObject {
    Permission CREATE = Permission.fromId("hudson.model.Item.Create");
    Permission CONFIGURE = Permission.fromId("hudson.model.Item.Configure");
    Permission READ = Permission.fromId("hudson.model.Item.Read");
    Permission EXTENDED_READ = Permission.fromId("hudson.model.Item.ExtendedRead");
    Permission BUILD = Permission.fromId("hudson.model.Item.Build");

    ItemGroup<? extends Item> getParent();

    String getName();

    String getFullName();

    String getFullDisplayName();

    String getUrl();
}
