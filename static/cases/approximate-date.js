// Approximate dates in the admin (cases/admin/dates.py): the calendar button beside a date's
// text input opens the browser's date picker, and the day chosen is written into the text input
// as 12.03.2018. A year or a month is typed. Rows added to an inline later work too: the
// listeners are on the document.
"use strict";
(function () {
  document.documentElement.classList.add("approximate-dates-js");

  function pad(number) {
    return String(number).padStart(2, "0");
  }

  // "12.03.2018" or "2018-03-12" as the picker's "2018-03-12"; anything else as no day.
  function exactDay(text) {
    let match = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(text.trim());
    if (match) {
      return `${match[3]}-${pad(match[2])}-${pad(match[1])}`;
    }
    match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text.trim());
    return match ? `${match[1]}-${pad(match[2])}-${pad(match[3])}` : "";
  }

  function parts(element) {
    const box = element.closest(".approximate-date");
    return {
      text: box.querySelector("input.vApproximateDate"),
      picker: box.querySelector("input.approximate-date-picker"),
    };
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest(".approximate-date-button");
    if (!button) {
      return;
    }
    const { text, picker } = parts(button);
    picker.value = exactDay(text.value);
    if (typeof picker.showPicker === "function") {
      try {
        picker.showPicker();
        return;
      } catch (error) {
        // Not allowed here: show the picker's own input instead.
      }
    }
    picker.classList.add("approximate-date-picker-shown");
    picker.removeAttribute("aria-hidden");
    picker.focus();
  });

  document.addEventListener("change", function (event) {
    const picker = event.target;
    if (!picker.matches || !picker.matches("input.approximate-date-picker")) {
      return;
    }
    const [year, month, day] = picker.value.split("-");
    if (!day) {
      return;
    }
    const { text } = parts(picker);
    text.value = `${day}.${month}.${year}`;
    text.dispatchEvent(new Event("change", { bubbles: true }));
  });
})();
