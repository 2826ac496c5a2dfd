package io.octofleet.server.rules;

import io.octofleet.server.db.tables.NodeCpu;
import io.octofleet.server.db.tables.NodeGpus;
import io.octofleet.server.db.tables.NodeNics;
import io.octofleet.server.db.tables.NodeOs;
import io.octofleet.server.db.tables.NodePackageLists;
import io.octofleet.server.db.tables.Packages;
import io.octofleet.server.db.tables.NodeSystem;
import io.octofleet.server.db.tables.NodeTags;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Table;
import org.jooq.TableField;
import org.jooq.impl.DSL;

import java.util.List;
import java.util.UUID;

import static io.octofleet.server.db.Tables.NODES;
import static io.octofleet.server.db.Tables.NODE_CPU;
import static io.octofleet.server.db.Tables.NODE_GPUS;
import static io.octofleet.server.db.Tables.NODE_NICS;
import static io.octofleet.server.db.Tables.NODE_OS;
import static io.octofleet.server.db.Tables.NODE_PACKAGE_LISTS;
import static io.octofleet.server.db.Tables.PACKAGES;
import static io.octofleet.server.db.Tables.NODE_SYSTEM;
import static io.octofleet.server.db.Tables.NODE_TAGS;

/**
 * Turns a parsed rule into a jOOQ condition over {@code nodes}. It builds conditions and runs nothing, which is why
 * it may name tables although it is not a repository. Every value is a bind parameter.
 * <p>
 * Inventory lives in other tables, so a comparison on it is an {@code EXISTS} over the node's rows: for list
 * sections (tags, GPUs, packages, NICs) that reads "some item matches". {@code a != v} is always
 * {@code not (a = v)}: no tag is "lab", no GPU is an H100, the OS family is not linux (or is unknown).
 * Inner tables are aliased so they never capture a reference to the caller's tables.
 */
final class RuleCompiler {
    private static final NodeTags TAGS = NODE_TAGS.as("rule_tags");
    private static final NodeOs OS = NODE_OS.as("rule_os");
    private static final NodeCpu CPU = NODE_CPU.as("rule_cpu");
    private static final NodeSystem SYSTEM = NODE_SYSTEM.as("rule_system");
    private static final NodeGpus GPUS = NODE_GPUS.as("rule_gpus");
    private static final NodePackageLists PACKAGE_LISTS = NODE_PACKAGE_LISTS.as("rule_package_lists");
    private static final Packages BUILDS = PACKAGES.as("rule_packages");
    private static final NodeNics NICS = NODE_NICS.as("rule_nics");
    private static final Table<?> IPS = DSL.unnest(DSL.arrayConcat(NICS.IPV4, NICS.IPV6)).as("rule_ips", "address");
    private static final Field<String> IP = DSL.field(DSL.name("rule_ips", "address"), String.class);

    private RuleCompiler() {
    }

    static Condition condition(Expr expression) {
        if (expression instanceof Expr.And and) {
            return DSL.and(and.operands().stream().map(RuleCompiler::condition).toList());
        }
        if (expression instanceof Expr.Or or) {
            return DSL.or(or.operands().stream().map(RuleCompiler::condition).toList());
        }
        if (expression instanceof Expr.Not not) {
            return DSL.not(condition(not.operand()));
        }
        Expr.Comparison comparison = (Expr.Comparison) expression;
        if (comparison.operator() == Operator.NE) {
            return DSL.not(matches(comparison.field(), Operator.EQ, comparison.values()));
        }
        return matches(comparison.field(), comparison.operator(), comparison.values());
    }

    private static Condition matches(RuleField field, Operator operator, List<Object> values) {
        return switch (field) {
            case HOSTNAME -> text(NODES.HOSTNAME, operator, values);
            case STATUS -> DSL.or(values.stream().map(v -> NODES.ONLINE.eq("online".equals(v))).toList());
            case TAG -> exists(TAGS, TAGS.NODE_ID, text(TAGS.TAG, operator, values));
            case OS_FAMILY -> exists(OS, OS.NODE_ID, text(OS.FAMILY, operator, values));
            case OS_NAME -> exists(OS, OS.NODE_ID, text(OS.NAME, operator, values));
            case OS_VERSION -> exists(OS, OS.NODE_ID, text(OS.VERSION, operator, values));
            case OS_ARCH -> exists(OS, OS.NODE_ID, text(OS.ARCH, operator, values));
            case OS_KERNEL -> exists(OS, OS.NODE_ID, text(OS.KERNEL, operator, values));
            case CPU_MODEL -> exists(CPU, CPU.NODE_ID, text(CPU.MODEL, operator, values));
            case CPU_VENDOR -> exists(CPU, CPU.NODE_ID, text(CPU.VENDOR, operator, values));
            case CPU_CORES -> exists(CPU, CPU.NODE_ID, number(CPU.CORES.coerce(Long.class), operator, values));
            case CPU_THREADS -> exists(CPU, CPU.NODE_ID, number(CPU.THREADS.coerce(Long.class), operator, values));
            case CPU_SOCKETS -> exists(CPU, CPU.NODE_ID, number(CPU.SOCKETS.coerce(Long.class), operator, values));
            case MEMORY_TOTAL -> exists(SYSTEM, SYSTEM.NODE_ID, number(SYSTEM.MEMORY_TOTAL_BYTES, operator, values));
            case GPU_COUNT -> gpuCount(operator, values);
            case GPU_MODEL -> exists(GPUS, GPUS.NODE_ID, text(GPUS.MODEL, operator, values));
            case GPU_VENDOR -> exists(GPUS, GPUS.NODE_ID, text(GPUS.VENDOR, operator, values));
            case PACKAGE -> packages(operator, values);
            case NIC_MAC -> exists(NICS, NICS.NODE_ID, text(NICS.MAC, operator, values));
            case NIC_IP -> DSL.exists(DSL.selectOne().from(NICS).crossJoin(IPS)
                    .where(NICS.NODE_ID.eq(NODES.ID).and(text(IP, operator, values))));
            case SYSTEM_VIRTUALIZATION -> exists(SYSTEM, SYSTEM.NODE_ID, text(SYSTEM.VIRTUALIZATION, operator, values));
            case SYSTEM_MANUFACTURER -> exists(SYSTEM, SYSTEM.NODE_ID, text(SYSTEM.MANUFACTURER, operator, values));
            case SYSTEM_MODEL -> exists(SYSTEM, SYSTEM.NODE_ID, text(SYSTEM.MODEL, operator, values));
        };
    }

    /**
     * {@code package op v}: the ids of the builds whose name matches, looked up among the fleet's distinct builds,
     * then the nodes whose list holds any of them ({@code &&}, served by the lists' GIN index).
     */
    private static Condition packages(Operator operator, List<Object> values) {
        return NODES.ID.in(DSL.select(PACKAGE_LISTS.NODE_ID).from(PACKAGE_LISTS).where(DSL.arrayOverlap(
                PACKAGE_LISTS.PACKAGE_IDS,
                DSL.array(DSL.select(BUILDS.ID).from(BUILDS).where(text(BUILDS.NAME, operator, values))))));
    }

    /**
     * {@code gpu.count op n} as a set of node ids, not a count per node (which read every node's GPUs one node at a
     * time: 320 ms for a dynamic group at 100,000 nodes). A node without GPU rows has a count of 0, not unknown: when
     * 0 satisfies the comparison, the nodes that match are all but those whose count does not.
     */
    private static Condition gpuCount(Operator operator, List<Object> values) {
        Field<Long> count = DSL.count().coerce(Long.class);
        if (holdsFor(0, operator, values)) {
            return NODES.ID.notIn(DSL.select(GPUS.NODE_ID).from(GPUS).groupBy(GPUS.NODE_ID)
                    .having(DSL.not(number(count, operator, values))));
        }
        return NODES.ID.in(DSL.select(GPUS.NODE_ID).from(GPUS).groupBy(GPUS.NODE_ID)
                .having(number(count, operator, values)));
    }

    /** What {@link #number} would say of {@code value}, decided here rather than in SQL. */
    private static boolean holdsFor(long value, Operator operator, List<Object> values) {
        long first = (Long) values.get(0);
        return switch (operator) {
            case EQ -> value == first;
            case LT -> value < first;
            case LE -> value <= first;
            case GT -> value > first;
            case GE -> value >= first;
            case IN -> values.stream().map(Long.class::cast).anyMatch(v -> v == value);
            default -> throw new IllegalArgumentException("the parser lets no " + operator + " reach a number field");
        };
    }

    private static Condition exists(Table<?> table, TableField<?, UUID> nodeId, Condition condition) {
        return DSL.exists(DSL.selectOne().from(table).where(nodeId.eq(NODES.ID).and(condition)));
    }

    /** Text compares case-insensitively: operators write "nvidia" for what one agent reports as "NVIDIA". */
    private static Condition text(Field<String> column, Operator operator, List<Object> values) {
        return switch (operator) {
            case EQ, IN -> DSL.or(values.stream().map(v -> column.equalIgnoreCase((String) v)).toList());
            case GLOB -> column.likeIgnoreCase(like((String) values.get(0)), '\\');
            default -> throw new IllegalArgumentException("the parser lets no " + operator + " reach a text field");
        };
    }

    private static Condition number(Field<Long> column, Operator operator, List<Object> values) {
        Long value = (Long) values.get(0);
        return switch (operator) {
            case EQ -> column.eq(value);
            case LT -> column.lt(value);
            case LE -> column.le(value);
            case GT -> column.gt(value);
            case GE -> column.ge(value);
            case IN -> column.in(values.stream().map(Long.class::cast).toList());
            default -> throw new IllegalArgumentException("the parser lets no " + operator + " reach a number field");
        };
    }

    /** A glob as a LIKE pattern with '\' as escape: * and ? become % and _, and a literal %, _ or \ is escaped. */
    static String like(String glob) {
        StringBuilder pattern = new StringBuilder(glob.length() + 8);
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> pattern.append('%');
                case '?' -> pattern.append('_');
                case '%', '_', '\\' -> pattern.append('\\').append(c);
                default -> pattern.append(c);
            }
        }
        return pattern.toString();
    }
}
