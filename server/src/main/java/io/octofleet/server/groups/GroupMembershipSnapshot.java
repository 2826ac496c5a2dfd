package io.octofleet.server.groups;

import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

import static io.octofleet.server.db.Tables.GROUP_MEMBERSHIP;
import static io.octofleet.server.db.Tables.NODES;

/**
 * Writes every group's current members, static and dynamic, into {@code group_membership}, for readers that cannot
 * evaluate a rule: Grafana's dashboards (docs/grafana.md). The API never reads it; it evaluates membership live.
 * One transaction per pass, so a reader never sees a group half written.
 */
@Singleton
public class GroupMembershipSnapshot {
    private static final Logger LOG = LoggerFactory.getLogger(GroupMembershipSnapshot.class);

    private final DSLContext dsl;
    private final GroupRepository repository;

    GroupMembershipSnapshot(DSLContext dsl, GroupRepository repository) {
        this.dsl = dsl;
        this.repository = repository;
    }

    @Scheduled(fixedDelay = "${octofleet.groups.membership-snapshot-interval:1m}", initialDelay = "5s")
    void scheduled() {
        try {
            refresh();
        } catch (RuntimeException e) {
            LOG.warn("Cannot refresh the group membership snapshot: {}", e.toString());
        }
    }

    /** @return the number of (group, node) rows written */
    public int refresh() {
        List<Group> groups = repository.list(DSL.noCondition());
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            db.deleteFrom(GROUP_MEMBERSHIP).execute();
            int rows = 0;
            for (Group group : groups) {
                rows += db.insertInto(GROUP_MEMBERSHIP, GROUP_MEMBERSHIP.GROUP_ID, GROUP_MEMBERSHIP.NODE_ID)
                        .select(DSL.select(DSL.val(group.id()), NODES.ID).from(NODES)
                                .where(GroupService.membership(group)))
                        .execute();
            }
            return rows;
        });
    }
}
