package dev.sixpn.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaBrokerTest {

  @Test
  void start_producesAndConsumesThroughRealBroker() throws Exception {
    try (KafkaBroker broker = KafkaBrokers.start()) {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
        admin.createTopics(List.of(new NewTopic("t", 1, (short) 1))).all().get();
      }
      Properties p = new Properties();
      p.put("bootstrap.servers", broker.bootstrapServers());
      try (var producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
        producer.send(new ProducerRecord<>("t", "k", "hello")).get();
      }
      Properties c = new Properties();
      c.put("bootstrap.servers", broker.bootstrapServers());
      try (var consumer =
          new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
        TopicPartition tp = new TopicPartition("t", 0);
        consumer.assign(List.of(tp));
        consumer.seekToBeginning(List.of(tp));
        ConsumerRecords<String, String> records = ConsumerRecords.empty();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (records.isEmpty() && System.nanoTime() < deadline) {
          records = consumer.poll(Duration.ofMillis(200));
        }
        assertEquals("hello", records.iterator().next().value());
      }
      broker.close(); // closing twice is safe
    }
  }
}
