package dev.sixpn.dataplane.maps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sixpn.dataplane.bpf.ProgramLoader;
import dev.sixpn.dataplane.link.Exec;
import dev.sixpn.dataplane.testing.Privileges;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each Java layout against the C struct as the compiler laid it out: the BTF in the built object
 * ({@code bpftool -j btf dump file}), member by member (name, byte offset) and total size, and each
 * map's key and value sizes from its BTF map definition.
 */
class LayoutMatchesBtfTest {

  static Map<Integer, JsonNode> types = new HashMap<>();
  static Map<String, JsonNode> structs = new HashMap<>();

  @BeforeAll
  static void readBtf() throws Exception {
    Privileges.requireTools("bpftool");
    Path object = ProgramLoader.extractObject();
    try {
      String json =
          Exec.run(List.of("bpftool", "-j", "btf", "dump", "file", object.toString()))
              .orThrow("")
              .stdout();
      for (JsonNode t : new ObjectMapper().readTree(json).get("types")) {
        types.put(t.get("id").asInt(), t);
        if (t.get("kind").asText().equals("STRUCT")) {
          structs.put(t.get("name").asText(), t);
        }
      }
    } finally {
      Files.deleteIfExists(object);
    }
  }

  static void assertStruct(String cName, StructLayout java) {
    JsonNode s = structs.get(cName);
    assertNotNull(s, "struct " + cName + " in the BTF");
    assertEquals(s.get("size").asLong(), java.byteSize(), cName + " size");
    assertEquals(s.get("members").size(), java.memberLayouts().size(), cName + " member count");
    for (JsonNode m : s.get("members")) {
      String name = m.get("name").asText();
      long offset = java.byteOffset(MemoryLayout.PathElement.groupElement(name));
      assertEquals(m.get("bits_offset").asLong() / 8, offset, cName + "." + name + " offset");
    }
  }

  /** Size of a BTF type, following typedefs, arrays and qualifiers. */
  static long sizeOf(int id) {
    JsonNode t = types.get(id);
    return switch (t.get("kind").asText()) {
      case "TYPEDEF", "CONST", "VOLATILE" -> sizeOf(t.get("type_id").asInt());
      case "ARRAY" -> t.get("nr_elems").asLong() * sizeOf(t.get("type_id").asInt());
      default -> t.get("size").asLong();
    };
  }

  /**
   * The key or value size declared by a map definition ({@code __type(key, ...)} is a pointer
   * member).
   */
  static long mapMemberSize(String map, String member) {
    JsonNode def = null;
    // Map definitions are anonymous structs; find the VAR named after the map and its type.
    for (JsonNode t : types.values()) {
      if (t.get("kind").asText().equals("VAR") && t.get("name").asText().equals(map)) {
        def = types.get(t.get("type_id").asInt());
      }
    }
    assertNotNull(def, "map " + map + " in the BTF");
    for (JsonNode m : def.get("members")) {
      if (m.get("name").asText().equals(member)) {
        JsonNode ptr = types.get(m.get("type_id").asInt());
        return sizeOf(ptr.get("type_id").asInt());
      }
    }
    throw new AssertionError("map " + map + " has no " + member);
  }

  static String source() {
    try {
      return Files.readString(Path.of("src/main/bpf/sixpn.bpf.c"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void configValue() {
    assertStruct("sixpn_config", ConfigMap.VALUE);
    assertEquals(mapMemberSize(ConfigMap.NAME, "value"), ConfigMap.VALUE.byteSize());
    assertEquals(mapMemberSize(ConfigMap.NAME, "key"), 4);
  }

  @Test
  void linkValue() {
    assertStruct("link_info", LinkMap.VALUE);
    assertEquals(mapMemberSize(LinkMap.NAME, "value"), LinkMap.VALUE.byteSize());
    assertEquals(mapMemberSize(LinkMap.NAME, "key"), 4);
  }

  @Test
  void localsKeyAndValue() {
    assertStruct("local_instance", LocalsMap.VALUE);
    assertEquals(mapMemberSize(LocalsMap.NAME, "key"), LocalsMap.KEY.byteSize());
    assertEquals(mapMemberSize(LocalsMap.NAME, "value"), LocalsMap.VALUE.byteSize());
  }

  @Test
  void dropEventsAndRate() {
    assertStruct("drop_event", DropEventsRing.EVENT);
    assertStruct("drop_rate", DropRateMap.VALUE);
    assertEquals(mapMemberSize(DropRateMap.NAME, "value"), DropRateMap.VALUE.byteSize());
    assertEquals(mapMemberSize(DropRateMap.NAME, "key"), 4);
  }

  @Test
  void dropsValueAndReasons() {
    assertEquals(mapMemberSize(DropsMap.NAME, "value"), DropsMap.VALUE.byteSize());
    // The enum is not in the BTF (the programs pass reasons as __u32), so read the source.
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("DROP_([A-Z0-9_]+) = (\\d+),").matcher(source());
    int seen = 0;
    while (m.find()) {
      int value = Integer.parseInt(m.group(2));
      if (m.group(1).equals("REASONS")) {
        assertEquals(DropReason.SLOTS, value, "max_entries of sixpn_drops");
      } else {
        assertEquals(value, DropReason.valueOf(m.group(1)).ordinal(), "DropReason." + m.group(1));
        seen++;
      }
    }
    assertEquals(DropReason.values().length, seen, "every reason is in both");
  }
}
