#include "protocol/mime/body_structure.h"

#include <string>

#include "absl/strings/match.h"
#include "protocol/mime/content_type.h"
#include "protocol/mime/envelope.h"
#include "protocol/mime/header_field.h"

namespace lemonade::mime {
namespace {

class BodyStructureWriter {
 public:
  BodyStructureWriter(absl::string_view raw, const MessageStructure& s, bool extensible,
                      imap::ImapWriter* w)
      : raw_(raw), s_(s), extensible_(extensible), w_(w) {}

  void WritePart(uint32_t index) {
    const Part& p = s_.part(index);
    w_->OpenList();
    if (p.IsMultipart()) {
      WriteMultipart(p);
    } else {
      WriteSinglePart(p);
    }
    w_->CloseList();
  }

 private:
  void WriteMultipart(const Part& p) {
    if (p.children.empty()) {
      // Dovecot's EMPTY_BODYSTRUCTURE: the grammar needs 1*body.
      w_->Raw(extensible_ ? "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 "
                            "NIL NIL NIL NIL)"
                          : "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)");
    }
    for (uint32_t child : p.children) WritePart(child);
    w_->Space();
    w_->Quoted(p.subtype);
    if (!extensible_) return;
    // body-ext-mpart = body-fld-param [SP body-fld-dsp [SP body-fld-lang
    //                  [SP body-fld-loc]]]
    w_->Space();
    WriteParams(p.type_params, /*add_charset=*/false);
    WriteExtensionTail(p);
  }

  void WriteSinglePart(const Part& p) {
    // body-type-basic / body-type-msg / body-type-text
    if (p.overflow) {
      w_->Raw("\"application\" \"octet-stream\"");
    } else {
      w_->Quoted(p.type);
      w_->Space();
      w_->Quoted(p.subtype);
    }
    const bool text = p.IsText();
    w_->Space();
    WriteParams(p.type_params, text && FindParameter(p.type_params, "charset") == nullptr);
    w_->Space();
    WriteFieldValue(p.id);
    w_->Space();
    WriteFieldValue(p.description);
    w_->Space();
    if (p.encoding.empty()) {
      w_->Raw("\"7bit\"");
    } else {
      w_->String(p.encoding);
    }
    w_->Space();
    w_->Number(p.body.size());
    if (p.IsMessage()) {
      // body-type-msg: ... SP envelope SP body SP body-fld-lines
      const uint32_t child = p.children.front();
      w_->Space();
      AppendEnvelope(ParseEnvelope(raw_, s_, child), w_);
      w_->Space();
      WritePart(child);
      w_->Space();
      w_->Number(p.body_lines);
    } else if (text) {
      w_->Space();
      w_->Number(p.body_lines);
    }
    if (!extensible_) return;
    // body-ext-1part = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang
    //                  [SP body-fld-loc]]]
    w_->Space();
    WriteFieldValue(p.md5);
    WriteExtensionTail(p);
  }

  // SP body-fld-dsp SP body-fld-lang SP body-fld-loc
  void WriteExtensionTail(const Part& p) {
    w_->Space();
    if (p.disposition.has_value()) {
      w_->OpenList();
      w_->String(p.disposition->type);
      w_->Space();
      WriteParams(p.disposition->params, false);
      w_->CloseList();
    } else {
      w_->Nil();
    }
    w_->Space();
    if (p.languages.empty()) {
      w_->Nil();
    } else {
      w_->OpenList();
      for (size_t i = 0; i < p.languages.size(); ++i) {
        if (i > 0) w_->Space();
        w_->String(p.languages[i]);
      }
      w_->CloseList();
    }
    w_->Space();
    WriteFieldValue(p.location);
  }

  // body-fld-param = "(" string SP string *(SP string SP string) ")" / nil
  void WriteParams(const std::vector<Parameter>& params, bool add_charset) {
    if (params.empty() && !add_charset) {
      w_->Nil();
      return;
    }
    w_->OpenList();
    bool first = true;
    for (const Parameter& param : params) {
      if (!first) w_->Space();
      first = false;
      if (param.extended) {
        std::string name = param.name + "*";
        std::string value;
        AppendRfc2231Value(param, &value);
        AppendImapNString(absl::string_view(name), w_);
        w_->Space();
        AppendImapNString(absl::string_view(value), w_);
      } else {
        AppendImapNString(absl::string_view(param.name), w_);
        w_->Space();
        AppendImapNString(absl::string_view(param.value), w_);
      }
    }
    if (add_charset) {
      if (!first) w_->Space();
      w_->Raw("\"charset\" \"us-ascii\"");
    }
    w_->CloseList();
  }

  void WriteFieldValue(const std::optional<ByteRange>& range) {
    if (!range.has_value()) {
      w_->Nil();
      return;
    }
    AppendImapNString(absl::string_view(UnfoldHeaderValue(range->In(raw_))), w_);
  }

  absl::string_view raw_;
  const MessageStructure& s_;
  bool extensible_;
  imap::ImapWriter* w_;
};

}  // namespace

void AppendBodyStructure(absl::string_view raw, const MessageStructure& structure, bool extensible,
                         imap::ImapWriter* writer) {
  AppendPartBodyStructure(raw, structure, 0, extensible, writer);
}

void AppendPartBodyStructure(absl::string_view raw, const MessageStructure& structure,
                             uint32_t part_index, bool extensible, imap::ImapWriter* writer) {
  BodyStructureWriter(raw, structure, extensible, writer).WritePart(part_index);
}

}  // namespace lemonade::mime
