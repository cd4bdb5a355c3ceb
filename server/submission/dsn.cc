#include "server/submission/dsn.h"

#include "absl/strings/str_cat.h"
#include "protocol/smtp/smtp_command.h"
#include "server/submission/message_headers.h"

namespace lemonade::submission {
namespace {

absl::string_view ActionName(DsnAction a) {
  switch (a) {
    case DsnAction::kFailed: return "failed";
    case DsnAction::kDelayed: return "delayed";
    case DsnAction::kDelivered: return "delivered";
    case DsnAction::kRelayed: return "relayed";
  }
  return "failed";
}

// Headers-only copies above this size: a bounce should not carry a huge
// attachment back over the phone's link unless RET=FULL asked for it.
constexpr size_t kFullReturnBytesMax = 256 * 1024;

}  // namespace

bool WantsNotice(const QueuedRecipient& r, DsnAction action) {
  if (r.notify & smtp::kDsnNotifyNever) return false;
  const bool defaulted = r.notify == 0;
  switch (action) {
    case DsnAction::kFailed: return defaulted || (r.notify & smtp::kDsnNotifyFailure);
    case DsnAction::kDelayed: return defaulted || (r.notify & smtp::kDsnNotifyDelay);
    case DsnAction::kDelivered:
    case DsnAction::kRelayed: return (r.notify & smtp::kDsnNotifySuccess) != 0;
  }
  return false;
}

std::string ComposeDsn(const QueuedMessage& message, DsnAction action,
                       const std::vector<const QueuedRecipient*>& recipients,
                       const std::string& reporting_host, Time now, const std::string& dsn_id,
                       Time retry_until) {
  const std::string boundary = absl::StrCat("=_report_", dsn_id);
  std::string out;
  absl::StrAppend(&out, "From: Mail Delivery System <MAILER-DAEMON@", reporting_host, ">\r\n");
  absl::StrAppend(&out, "To: <", message.sender, ">\r\n");
  const char* subject = action == DsnAction::kFailed    ? "Undelivered Mail Returned to Sender"
                        : action == DsnAction::kDelayed ? "Delayed Mail (still being retried)"
                                                        : "Successful Mail Delivery Report";
  absl::StrAppend(&out, "Subject: ", subject, "\r\n");
  absl::StrAppend(&out, "Date: ", FormatRfc5322Date(now), "\r\n");
  absl::StrAppend(&out, "Message-ID: <", dsn_id, "@", reporting_host, ">\r\n");
  absl::StrAppend(&out, "Auto-Submitted: auto-replied\r\n");  // RFC 3834
  absl::StrAppend(&out, "MIME-Version: 1.0\r\n");
  absl::StrAppend(&out, "Content-Type: multipart/report; report-type=delivery-status;\r\n",
                  "\tboundary=\"", boundary, "\"\r\n\r\n");
  absl::StrAppend(&out, "This is a MIME-encapsulated message.\r\n\r\n");

  // Human-readable part.
  absl::StrAppend(&out, "--", boundary, "\r\n");
  absl::StrAppend(&out, "Content-Type: text/plain; charset=us-ascii\r\n\r\n");
  absl::StrAppend(&out, "This is the mail system at host ", reporting_host, ".\r\n\r\n");
  switch (action) {
    case DsnAction::kFailed:
      absl::StrAppend(&out, "Your message could not be delivered to these recipients:\r\n");
      break;
    case DsnAction::kDelayed:
      absl::StrAppend(&out, "Delivery to these recipients is delayed; retries continue until ",
                      FormatRfc5322Date(retry_until), ":\r\n");
      break;
    default:
      absl::StrAppend(&out, "Your message was delivered to these recipients:\r\n");
  }
  for (const QueuedRecipient* r : recipients) {
    absl::StrAppend(&out, "\r\n<", r->address, ">: ", r->diagnostic, "\r\n");
  }
  absl::StrAppend(&out, "\r\n");

  // Machine-readable part (RFC 3464 §2).
  absl::StrAppend(&out, "--", boundary, "\r\n");
  absl::StrAppend(&out, "Content-Type: message/delivery-status\r\n\r\n");
  absl::StrAppend(&out, "Reporting-MTA: dns; ", reporting_host, "\r\n");
  if (!message.envid.empty()) absl::StrAppend(&out, "Original-Envelope-Id: ", message.envid, "\r\n");
  absl::StrAppend(&out, "Arrival-Date: ", FormatRfc5322Date(message.arrival), "\r\n");
  // RFC 4865 §5.1.2: a held message's notices carry its hold request.
  if (!message.hold.empty()) {
    absl::StrAppend(&out, "Future-Release-Request: ", message.hold, "\r\n");
  }
  for (const QueuedRecipient* r : recipients) {
    absl::StrAppend(&out, "\r\n");
    if (!r->orcpt.empty()) absl::StrAppend(&out, "Original-Recipient: ", r->orcpt, "\r\n");
    absl::StrAppend(&out, "Final-Recipient: rfc822; ", r->address, "\r\n");
    absl::StrAppend(&out, "Action: ", ActionName(action), "\r\n");
    std::string status = r->status;
    if (status.empty()) status = action == DsnAction::kDelayed ? "4.0.0" : "2.0.0";
    absl::StrAppend(&out, "Status: ", status, "\r\n");
    if (!r->diagnostic.empty()) {
      absl::StrAppend(&out, "Diagnostic-Code: smtp; ", r->diagnostic, "\r\n");
    }
    if (action == DsnAction::kDelayed) {
      absl::StrAppend(&out, "Will-Retry-Until: ", FormatRfc5322Date(retry_until), "\r\n");
    }
  }
  absl::StrAppend(&out, "\r\n");

  // The original (RFC 3461 §4.3 RET).
  const bool full = message.ret == smtp::DsnReturn::kFull ||
                    (message.ret == smtp::DsnReturn::kUnspecified &&
                     message.content.size() <= kFullReturnBytesMax);
  absl::StrAppend(&out, "--", boundary, "\r\n");
  if (full) {
    absl::StrAppend(&out, "Content-Type: message/rfc822\r\n\r\n", message.content);
    if (!message.content.empty() && message.content.back() != '\n') out += "\r\n";
  } else {
    absl::StrAppend(&out, "Content-Type: text/rfc822-headers\r\n\r\n",
                    HeaderBlock(message.content));
  }
  absl::StrAppend(&out, "\r\n--", boundary, "--\r\n");
  return out;
}

}  // namespace lemonade::submission
