// "Print or save as PDF": the browser's own print dialog (it saves as PDF too).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-print]");
  if (button) {
    event.preventDefault();
    window.print();
  }
});
